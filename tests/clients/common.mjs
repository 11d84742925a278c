// What every script here shares: reading its arguments and printing one JSON result line.
// The xunit tests (tests/OData.Virtualization.IntegrationTests/Clients) read the last stdout line that starts with '{';
// anything a library logs goes before it, and a failure goes to stderr with a non-zero exit code.

export function parseArguments(usage, count) {
  const args = process.argv.slice(2);
  if (args.length < count) {
    fail(`usage: node ${usage}`);
  }
  return args;
}

export function printResult(result) {
  process.stdout.write('\n' + JSON.stringify(result) + '\n');
}

export function fail(message) {
  process.stderr.write(message + '\n');
  process.exit(1);
}

/** Runs the script's body and turns any error (also a thrown fetch Response, as o.js throws) into readable stderr. */
export async function run(body) {
  try {
    printResult(await body());
  } catch (error) {
    fail(await describe(error));
  }
}

async function describe(error) {
  if (typeof Response !== 'undefined' && error instanceof Response) {
    return `HTTP ${error.status} from ${error.url}: ${await error.text()}`;
  }
  const lines = [];
  for (let e = error, depth = 0; e && depth < 6; e = e.cause, depth++) {
    // Some errors (the SAP Cloud SDK's ErrorWithCause) already print their cause in their stack.
    if (depth === 0 || !lines.some(l => l.includes(e.message))) {
      lines.push(e.stack ?? String(e));
    }
    const response = e.response;
    if (response?.status) {
      lines.push(`HTTP ${response.status} from ${response.config?.url ?? '?'}: ${JSON.stringify(response.data)}`);
    }
  }
  return lines.join('\ncaused by: ');
}
