// The server as o.js (npm package "odata") sees it, used the way its README shows.
//
//   node ojs.mjs <serviceRoot> query <entitySet> <queryOptionsJson>
//       rows of one request, e.g. '{"$filter":"country eq '\''DE'\''","$orderby":"name","$top":5}'
//   node ojs.mjs <serviceRoot> walk <entitySet> <queryOptionsJson> <maxPageSize, 0 for none> <keyProperty,...>
//       follows @odata.nextLink to the end; prints the rows per page and every row's key
//   node ojs.mjs <serviceRoot> get <entitySet> <keysJson>
//       entities by key, one request each, e.g. '[{"sku":"O'\''Brien 50%"},{"sku":"a?b c"}]'
//       or '[{"warehouse_code":"BER1","sku":"A&B+C=D"}]'
//   node ojs.mjs <serviceRoot> count <entitySet> [filter]
//       <entitySet>/$count and the inline @odata.count of $count=true
import { o } from 'odata';
import { fail, parseArguments, run } from './common.mjs';

const usage = 'ojs.mjs <serviceRoot> query|walk|get|count <entitySet> [...]';
const [serviceRoot, operation, entitySet, ...rest] = parseArguments(usage, 3);
const root = serviceRoot.endsWith('/') ? serviceRoot : serviceRoot + '/';

// o.js returns the "value" of a response unless told otherwise; the whole body is needed for the annotations.
const wholeBody = { fragment: '' };

await run(async () => {
  switch (operation) {
    case 'query': {
      const rows = await o(root).get(entitySet).query(JSON.parse(rest[0] ?? '{}'));
      return { rows };
    }
    case 'walk':
      return walk(JSON.parse(rest[0] ?? '{}'), Number(rest[1] ?? 0), (rest[2] ?? '').split(','));
    case 'get': {
      const rows = [];
      for (const key of JSON.parse(rest[0])) {
        rows.push(await o(root).get(`${entitySet}(${predicate(key)})`).query());
      }
      return { rows };
    }
    case 'count': {
      const filter = rest[0] ? { $filter: rest[0] } : {};
      const count = await o(root).get(`${entitySet}/$count`).query(filter);
      const inline = await o(root, wholeBody).get(entitySet).query({ ...filter, $count: true, $top: 0 });
      return { count, inlineCount: inline['@odata.count'] ?? null };
    }
    default:
      return fail(`unknown operation '${operation}'; usage: node ${usage}`);
  }
});

async function walk(query, maxPageSize, keyProperties) {
  const config = { ...wholeBody };
  if (maxPageSize > 0) {
    config.headers = new Headers({ Prefer: `odata.maxpagesize=${maxPageSize}` });
  }
  const pages = [];
  const keys = [];
  const links = new Set();
  let count = null;
  let body = await o(root, config).get(entitySet).query(query);
  for (;;) {
    if (pages.length === 0) {
      count = body['@odata.count'] ?? null;
    }
    pages.push(body.value.length);
    for (const row of body.value) {
      keys.push(keyProperties.map(p => String(row[p])).join('|'));
    }
    const next = body['@odata.nextLink'];
    if (!next) {
      break;
    }
    if (links.has(next) || pages.length > 10000) {
      throw new Error(`the walk does not end: page ${pages.length + 1} is ${next}`);
    }
    links.add(next);
    // The next link is an absolute URL: o.js takes it as the root and requests it as it is.
    body = await o(next, config).get().query();
  }
  return { pages, keys, count };
}

// o.js leaves the key predicate to its caller: OData literals, percent-encoded (OData URL conventions 4.01 §2).
function predicate(key) {
  const parts = Object.entries(key);
  return parts.length === 1 ? literal(parts[0][1]) : parts.map(([name, value]) => `${name}=${literal(value)}`).join(',');
}

function literal(value) {
  const text = typeof value === 'string' ? `'${value.replaceAll("'", "''")}'` : String(value);
  return encodeURIComponent(text);
}
