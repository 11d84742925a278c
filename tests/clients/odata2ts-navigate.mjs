// Lazy navigation with the client odata2ts generated (odata2ts-generate.mjs): read an entity by key, then follow its
// navigation properties from that entity the way the generated service offers them — the client builds
// Set(key)/Nav itself:
//
//   service.products(sku).query()                          the entity
//   service.products(entity.sku).supplier().query()        to one:  products('…')/supplier
//   service.products(entity.sku).stock_levels()
//          .query(b => b.count())                          to many: products('…')/stock_levels?$count=true
//
//   node odata2ts-navigate.mjs <serviceRoot> <clientDirectory> <specJson>
//       spec: {"set":"products","key":"Größe/Ü#1","keyProperties":["sku"],"one":"supplier","many":"stock_levels"}
//       (a composite key is an object: {"warehouse_code":"DÜS1","sku":"…"}; "one" and "many" are optional)
//
// Prints the entity, the related row (null when there is none) and rows, the inline count, and every URL the client
// requested. odata2ts 0.34 (odata-query-objects 0.21) writes a string key as '<text>' without doubling a quote in it,
// which the URL conventions require (O'Brien → 'O'Brien', a syntax error): for such a key the script records what
// the server answered to the client's own URL, then hands the client the key with the quote doubled.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArguments, run } from './common.mjs';

const usage = 'odata2ts-navigate.mjs <serviceRoot> <clientDirectory> <specJson>';
const [serviceRoot, directory, specJson] = parseArguments(usage, 3);
const spec = JSON.parse(specJson);

const urls = [];
const fetchFirst = globalThis.fetch;
globalThis.fetch = (url, init) => {
  urls.push(String(url));
  return fetchFirst(url, init);
};

await run(async () => {
  const require = createRequire(join(directory, 'VirtualizationService.js'));
  const { VirtualizationService } = require('./VirtualizationService.js');
  const { FetchClient } = require('@odata2ts/http-client-fetch');
  const service = new VirtualizationService(new FetchClient(), serviceRoot.replace(/\/$/, ''));
  const entitySet = key => service[spec.set](key);

  let unquoted = null;
  if (hasQuote(spec.key)) {
    try {
      await entitySet(spec.key).query();
      unquoted = { status: 200, url: urls.at(-1) };
    } catch (error) {
      unquoted = { status: error.status ?? null, message: error.message, url: urls.at(-1) };
    }
  }

  const entity = withoutAnnotations((await entitySet(forClient(spec.key)).query()).data);
  // The key of the entity as read, not the one asked for: the navigation starts from the entity.
  const key = spec.keyProperties.length === 1 ? entity[spec.keyProperties[0]]
    : Object.fromEntries(spec.keyProperties.map(name => [name, entity[name]]));
  const result = { entity, unquoted };
  if (spec.one) {
    const start = urls.length;
    const response = await entitySet(forClient(key))[spec.one]().query();
    result.one = { row: response.status === 204 || !response.data ? null : withoutAnnotations(response.data), url: urls[start] };
  }
  if (spec.many) {
    const start = urls.length;
    const response = await entitySet(forClient(key))[spec.many]().query(builder => builder.count());
    result.many = { rows: response.data.value.map(withoutAnnotations), count: response.data['@odata.count'] ?? null, url: urls[start] };
  }
  return { ...result, urls };
});

function hasQuote(key) {
  return typeof key === 'string' ? key.includes("'") : Object.values(key).some(v => typeof v === 'string' && v.includes("'"));
}

/** The key as odata2ts needs it to write a valid URL: each quote in a string doubled (see above). */
function forClient(key) {
  const escape = value => (typeof value === 'string' ? value.replaceAll("'", "''") : value);
  return typeof key === 'object' && key !== null ? Object.fromEntries(Object.entries(key).map(([k, v]) => [k, escape(v)])) : escape(key);
}

function withoutAnnotations(row) {
  return Object.fromEntries(Object.entries(row).filter(([name]) => !name.includes('@')));
}
