// Generates a typed OData v4 client with the SAP Cloud SDK generator from the $metadata a running server returns,
// transpiled to JavaScript so that nothing needs building afterwards.
//
//   node sap-generate.mjs <serviceRoot> <outputDirectory>
//
// Prints where the client is, the entity sets it has and how long generation took. sap-query.mjs uses the client.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generate } from '@sap-cloud-sdk/generator';
import { parseArguments, prepareGeneration, run } from './common.mjs';
import { entityApis, loadService } from './sap-client.mjs';

const [serviceRoot, outputArgument] = parseArguments('sap-generate.mjs <serviceRoot> <outputDirectory>', 2);

await run(async () => {
  const { root, output } = await prepareGeneration(serviceRoot, outputArgument, join('edmx', 'virtualization.edmx'));
  // The service path, which the generator cannot read from $metadata (it warns and assumes '/' otherwise).
  const basePath = new URL(root).pathname.replace(/\/$/, '');
  await writeFile(join(output, 'options-per-service.json'), JSON.stringify({
    'edmx/virtualization.edmx': { directoryName: 'virtualization', packageName: 'virtualization', basePath },
  }));

  const started = performance.now();
  // The generator resolves the service file's name in options-per-service.json against the working directory.
  process.chdir(output);
  await generate({
    input: 'edmx',
    outputDir: 'client',
    optionsPerService: 'options-per-service.json',
    transpile: true,
    overwrite: true,
  });
  const seconds = (performance.now() - started) / 1000;

  const directory = join(output, 'client', 'virtualization');
  const service = loadService(directory);
  const entitySets = entityApis(service).map(api => api.entityConstructor._entityName).sort();
  return { directory, basePath, entitySets, seconds: Math.round(seconds * 10) / 10 };
});
