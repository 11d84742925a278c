// Queries through the typed API of a client that sap-generate.mjs generated (SAP Cloud SDK, OData v4).
//
//   node sap-query.mjs <serviceRoot> <clientDirectory> getall <specJson>
//       {"set":"transactions","filter":[["amount","gt",1000],["currency","eq","EUR"]],
//        "orderby":[["booked_at","desc"]],"top":20,"skip":0,"select":["transaction_id","amount"]}
//       filter operators: eq ne gt ge lt le startswith contains (the conditions are and-ed)
//   node sap-query.mjs <serviceRoot> <clientDirectory> bykey <specJson>   {"set":"products","keys":[{"sku":"A&B+C=D"}]}
//   node sap-query.mjs <serviceRoot> <clientDirectory> count <specJson>   {"set":"transactions","filter":[...]}
//   node sap-query.mjs <serviceRoot> <clientDirectory> sample <specJson>  {"top":5}: the first rows of every entity set,
//       and for each set the client could not read, its error
//
// Any spec may carry "headers" for every request, e.g. {"accept":"application/json;IEEE754Compatible=true"}.
// Values in a spec are written as the server writes them in JSON; rows are printed the same way (see plain()).
import { and, asc, desc, filterFunctions } from '@sap-cloud-sdk/odata-v4';
import { fail, parseArguments, run } from './common.mjs';
import { entityApi, entityApis, field, loadService, plain, typed } from './sap-client.mjs';

const usage = 'sap-query.mjs <serviceRoot> <clientDirectory> getall|bykey|count|sample <specJson>';
const [serviceRoot, directory, operation, specJson] = parseArguments(usage, 4);
const spec = JSON.parse(specJson);
const service = loadService(directory);
// The generated client carries the service path (/odata) itself: the destination is the server.
const destination = { url: new URL(serviceRoot).origin };

await run(async () => {
  switch (operation) {
    case 'getall': {
      const api = entityApi(service, spec.set);
      let request = api.requestBuilder().getAll().addCustomHeaders(spec.headers ?? {});
      if (spec.filter?.length) {
        request = request.filter(and(...spec.filter.map(c => condition(api, c))));
      }
      if (spec.orderby?.length) {
        request = request.orderBy(...spec.orderby.map(([name, direction]) => (direction === 'desc' ? desc : asc)(field(api, name))));
      }
      if (spec.select?.length) {
        request = request.select(...spec.select.map(name => field(api, name)));
      }
      if (spec.skip !== undefined) {
        request = request.skip(spec.skip);
      }
      if (spec.top !== undefined) {
        request = request.top(spec.top);
      }
      const rows = await request.execute(destination);
      return { url: await request.url(destination), rows: rows.map(e => plain(api, e)) };
    }
    case 'bykey': {
      const api = entityApi(service, spec.set);
      const urls = [];
      const rows = [];
      for (const key of spec.keys) {
        const values = api.entityConstructor._keys.map(name => typed(service, field(api, name).edmType, key[name]));
        const request = api.requestBuilder().getByKey(...values).addCustomHeaders(spec.headers ?? {});
        urls.push(await request.url(destination));
        rows.push(plain(api, await request.execute(destination)));
      }
      return { urls, rows };
    }
    case 'count': {
      const api = entityApi(service, spec.set);
      let request = api.requestBuilder().getAll().addCustomHeaders(spec.headers ?? {});
      if (spec.filter?.length) {
        request = request.filter(and(...spec.filter.map(c => condition(api, c))));
      }
      const counting = request.count();
      return { url: await counting.url(destination), count: await counting.execute(destination) };
    }
    case 'sample': {
      const sets = {};
      const errors = {};
      for (const api of entityApis(service)) {
        const name = api.entityConstructor._entityName;
        try {
          const rows = await api.requestBuilder().getAll().top(spec.top).addCustomHeaders(spec.headers ?? {}).execute(destination);
          sets[name] = rows.map(e => plain(api, e));
        } catch (error) {
          errors[name] = String(error.stack ?? error).split('\n').slice(0, 3).join(' ');
        }
      }
      return { sets, errors };
    }
    default:
      return fail(`unknown operation '${operation}'; usage: node ${usage}`);
  }
});

function condition(api, [name, operator, value]) {
  const f = field(api, name);
  const functions = filterFunctions(service.deSerializers);
  switch (operator) {
    case 'eq': return f.equals(typed(service, f.edmType, value));
    case 'ne': return f.notEquals(typed(service, f.edmType, value));
    case 'gt': return f.greaterThan(typed(service, f.edmType, value));
    case 'ge': return f.greaterOrEqual(typed(service, f.edmType, value));
    case 'lt': return f.lessThan(typed(service, f.edmType, value));
    case 'le': return f.lessOrEqual(typed(service, f.edmType, value));
    case 'startswith': return functions.startsWith(f, value).equals(true);
    case 'contains': return functions.contains(f, value).equals(true);
    default: throw new Error(`unknown filter operator '${operator}'`);
  }
}
