// What every script here shares: reading its arguments, preparing a generator's folder and printing one JSON result line.
// The xunit tests (tests/OData.Virtualization.IntegrationTests/Clients) read the last stdout line that starts with '{';
// anything a library logs goes before it, and a failure goes to stderr with a non-zero exit code.
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export function parseArguments(usage, count) {
  const args = process.argv.slice(2);
  if (args.length < count) {
    fail(`usage: node ${usage}`);
  }
  return args;
}

/**
 * Before a client generator runs: the server's $metadata (CSDL XML) written to <outputDirectory>/<metadataPath> in a
 * new, empty output directory, which links this folder's node_modules so that the generated code finds its runtime
 * packages. Returns the service root (with its trailing slash) and the output directory's absolute path.
 */
export async function prepareGeneration(serviceRoot, outputArgument, metadataPath) {
  const root = serviceRoot.endsWith('/') ? serviceRoot : serviceRoot + '/';
  const output = resolve(outputArgument);
  const response = await fetch(new URL('$metadata', root), { headers: { Accept: 'application/xml' } });
  const metadata = await response.text();
  if (!response.ok) {
    throw new Error(`GET $metadata answered ${response.status}: ${metadata}`);
  }

  await rm(output, { recursive: true, force: true });
  await mkdir(dirname(join(output, metadataPath)), { recursive: true });
  await writeFile(join(output, metadataPath), metadata);
  await symlink(join(here, 'node_modules'), join(output, 'node_modules'), 'dir');
  return { root, output };
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
