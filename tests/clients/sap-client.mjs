// Loading a client that sap-generate.mjs generated, and turning its typed entities back into plain values to compare.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { camelCase } from '@sap-cloud-sdk/util';

/** The generated service object (the `virtualization()` API) of a client directory. */
export function loadService(directory) {
  const index = join(directory, 'index.js');
  const { virtualization } = createRequire(index)(index);
  return virtualization();
}

/** The service's entity APIs (its getters such as `productsApi`). */
export function entityApis(service) {
  return Object.getOwnPropertyNames(Object.getPrototypeOf(service))
    .filter(name => name.endsWith('Api') && name !== 'initApi')
    .map(name => service[name]);
}

export function entityApi(service, entitySet) {
  const api = entityApis(service).find(a => a.entityConstructor._entityName === entitySet);
  if (!api) {
    throw new Error(`the generated client has no entity set '${entitySet}'`);
  }
  return api;
}

/**
 * The API's typed property fields by their OData name (links to other entities left out): single values carry
 * `edmType`, collections of primitive values (CollectionField) their items' type in `_fieldType`.
 */
export function fields(api) {
  return new Map(Object.values(api.schema)
    .filter(f => typeof f.edmType === 'string' || typeof f._fieldType === 'string')
    .map(f => [f._fieldName, f]));
}

export function field(api, name) {
  const found = fields(api).get(name);
  if (!found) {
    throw new Error(`the generated ${api.entityConstructor._entityName} has no property '${name}'`);
  }
  return found;
}

/** A value as the server writes it in JSON (e.g. 12.5, '2024-01-31') turned into the client's typed value. */
export function typed(service, edmType, value) {
  return value === null ? null : service.deSerializers[edmType].deserialize(value);
}

/**
 * An entity as plain JSON under the OData property names: each typed value written in the form of its EDM type by
 * the value's own methods (BigNumber, moment, the SDK's Time), not by the SDK's serializer, so a value the client
 * misread shows as a difference.
 */
export function plain(api, entity) {
  const row = {};
  for (const [name, f] of fields(api)) {
    const value = entity[camelCase(name)];
    if (value === undefined) {
      continue;
    }
    row[name] = f.edmType === undefined && Array.isArray(value)
      ? value.map(item => plainValue(f._fieldType, item))
      : plainValue(f.edmType ?? f._fieldType, value);
  }
  return row;
}

function plainValue(edmType, value) {
  if (value === null) {
    return null;
  }
  switch (edmType) {
    case 'Edm.Decimal':
    case 'Edm.Int64':
      return value.toFixed();
    case 'Edm.Date':
      return value.format('YYYY-MM-DD');
    case 'Edm.DateTimeOffset':
      return value.toISOString();
    case 'Edm.TimeOfDay': {
      const two = n => String(n).padStart(2, '0');
      const whole = Math.trunc(value.seconds);
      const fraction = String(value.seconds - whole).replace(/^0/, '').slice(0, 13);
      return `${two(value.hours)}:${two(value.minutes)}:${two(whole)}${fraction === '0' ? '' : fraction}`;
    }
    case 'Edm.Duration':
      return value.toISOString();
    default:
      return value;
  }
}
