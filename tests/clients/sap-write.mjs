// Creates, changes and deletes one entity through the typed API of a client that sap-generate.mjs generated
// (SAP Cloud SDK, OData v4), the way an application built on the SDK writes.
//
//   node sap-write.mjs <serviceRoot> <clientDirectory> <specJson>
//       {"set":"orders","create":{"customer":"O'Brien","amount":12.5},"update":{"amount":13.75},"stale":{"customer":"x"}}
//
// Prints the entity as created (the server's answer), as read back by key, as updated, the request the SDK sent with
// a stale version (its error), and whether the delete passed. Values are written as the server writes them in JSON.
// With "changesets": {"committed":[{…},{…}],"failing":[{…},{…}]} in the spec, also creates each list's entities in
// one $batch change set of the SDK's (service.batch(service.changeset(…))) and prints what each batch answered.
import { camelCase } from '@sap-cloud-sdk/util';
import { parseArguments, run } from './common.mjs';
import { entityApi, field, loadService, plain, typed } from './sap-client.mjs';

const [serviceRoot, directory, specJson] = parseArguments('sap-write.mjs <serviceRoot> <clientDirectory> <specJson>', 3);
const spec = JSON.parse(specJson);
const service = loadService(directory);
const destination = { url: new URL(serviceRoot).origin };

function entityValues(api, values) {
  const json = {};
  for (const [name, value] of Object.entries(values)) {
    json[camelCase(name)] = typed(service, field(api, name).edmType, value);
  }
  return json;
}

function failure(error) {
  const response = error?.cause?.response ?? error?.rootCause?.response;
  return { status: response?.status ?? null, message: String(error?.message ?? error) };
}

await run(async () => {
  const api = entityApi(service, spec.set);
  const created = await api.requestBuilder().create(api.entityBuilder().fromJson(entityValues(api, spec.create))).execute(destination);
  const keys = api.entityConstructor._keys.map(name => created[camelCase(name)]);
  const read = await api.requestBuilder().getByKey(...keys).execute(destination);
  const staleVersion = read.versionIdentifier;

  Object.assign(read, entityValues(api, spec.update));
  const updated = await api.requestBuilder().update(read).execute(destination);
  const after = await api.requestBuilder().getByKey(...keys).execute(destination);

  // The version the entity had before the update is stale now: the server must refuse it.
  let stale = null;
  try {
    // A change the SDK has not sent yet (it sends nothing for an entity without changes).
    Object.assign(read, entityValues(api, spec.stale));
    await api.requestBuilder().update(read).setVersionIdentifier(staleVersion).execute(destination);
    stale = { status: 'accepted' };
  } catch (error) {
    stale = failure(error);
  }

  const kept = await api.requestBuilder().getByKey(...keys).execute(destination);
  await api.requestBuilder().delete(kept).execute(destination);
  let gone = null;
  try {
    await api.requestBuilder().getByKey(...keys).execute(destination);
    gone = { status: 'still there' };
  } catch (error) {
    gone = failure(error);
  }

  let changesets = null;
  if (spec.changesets) {
    const creates = list => list.map(values => api.requestBuilder().create(api.entityBuilder().fromJson(entityValues(api, values))));
    const described = async list => {
      const responses = await service.batch(service.changeset(...creates(list))).execute(destination);
      return responses.map(response => response.isWriteResponses()
        ? { kind: 'changeset', statuses: response.responses.map(w => w.httpCode), created: response.responses.map(w => plain(api, w.as(api))) }
        : { kind: response.isError() ? 'error' : 'read', status: response.httpCode, body: response.body ?? null });
    };
    changesets = { committed: await described(spec.changesets.committed), failing: await described(spec.changesets.failing) };
  }

  return {
    changesets,
    created: plain(api, created),
    createdVersion: created.versionIdentifier ?? null,
    read: plain(api, read),
    readVersion: staleVersion ?? null,
    updated: updated ? plain(api, after) : null,
    stale,
    afterStale: plain(api, kept),
    deleted: gone,
  };
});
