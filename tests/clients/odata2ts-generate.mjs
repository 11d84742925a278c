// Generates a typed OData v4 client with odata2ts (@odata2ts/odata2ts, service mode) from the $metadata a running
// server returns, emitted as CommonJS JavaScript so that nothing needs building afterwards. odata2ts-navigate.mjs
// uses it.
//
//   node odata2ts-generate.mjs <serviceRoot> <outputDirectory>
//
// Prints where the client is and how long generation took.
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArguments, prepareGeneration, run } from './common.mjs';

const [serviceRoot, outputArgument] = parseArguments('odata2ts-generate.mjs <serviceRoot> <outputDirectory>', 2);
const here = dirname(fileURLToPath(import.meta.url));

await run(async () => {
  const { output } = await prepareGeneration(serviceRoot, outputArgument, 'metadata.xml');
  // odata2ts compiles what it generates with the TypeScript compiler, and reads the options from a tsconfig.json.
  await writeFile(join(output, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2020', module: 'commonjs', moduleResolution: 'node', esModuleInterop: true, skipLibCheck: true },
  }));

  const started = performance.now();
  const cli = join(here, 'node_modules', '@odata2ts', 'odata2ts', 'lib', 'run-cli.js');
  const generated = spawnSync(process.execPath, [cli, '--source', 'metadata.xml', '--output', 'client', '--mode', 'service', '--emit-mode', 'js', '--tsconfig', 'tsconfig.json'],
    { cwd: output, encoding: 'utf8', timeout: 170_000 });
  const seconds = (performance.now() - started) / 1000;
  if (generated.status !== 0 || /Error while running/.test(generated.stdout + generated.stderr)) {
    throw new Error(`odata2ts failed (exit code ${generated.status}):\n${generated.stdout}\n${generated.stderr}`);
  }

  const directory = join(output, 'client');
  // tests/clients is an ES module package; the emitted CommonJS files need a package.json of their own that says so.
  await writeFile(join(directory, 'package.json'), JSON.stringify({ type: 'commonjs' }));
  return { directory, seconds: Math.round(seconds * 10) / 10 };
});
