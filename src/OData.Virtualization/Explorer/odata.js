// OData pieces of the explorer that do not touch the page: the model from CSDL JSON, typed literals, the
// query URL with its percent-encoding, error bodies and authentication challenges. Pure functions, so that
// the browser tests can call them directly.

export const INTEGER_TYPES = new Set(['Edm.Byte', 'Edm.SByte', 'Edm.Int16', 'Edm.Int32', 'Edm.Int64']);
const INTEGER_RANGES = {
  'Edm.Byte': [0n, 255n],
  'Edm.SByte': [-128n, 127n],
  'Edm.Int16': [-32768n, 32767n],
  'Edm.Int32': [-2147483648n, 2147483647n],
  'Edm.Int64': [-9223372036854775808n, 9223372036854775807n],
};
export const FLOAT_TYPES = new Set(['Edm.Double', 'Edm.Single']);
const ORDERED_TYPES = new Set([...INTEGER_TYPES, ...FLOAT_TYPES, 'Edm.Decimal', 'Edm.Date', 'Edm.DateTimeOffset', 'Edm.TimeOfDay', 'Edm.Duration']);

/** Which filter operators a property offers, in the order the page lists them. */
export function operatorsFor(property) {
  const ops = [];
  const type = property.type;
  if (property.enumMembers) {
    ops.push('eq', 'ne');
  } else if (type === 'Edm.String') {
    ops.push('eq', 'ne', 'contains', 'startswith', 'endswith');
  } else if (type === 'Edm.Boolean') {
    ops.push('true', 'false');
  } else if (ORDERED_TYPES.has(type)) {
    ops.push('eq', 'ne', 'gt', 'ge', 'lt', 'le');
  } else if (type === 'Edm.Guid' || type === 'Edm.Binary') {
    ops.push('eq', 'ne');
  }
  if (property.nullable) {
    ops.push('null', 'notnull');
  }
  return ops;
}

// Each label starts with what tells it apart, so that a narrow select that cuts the end still shows it.
export const OPERATOR_LABELS = {
  eq: '= equals',
  ne: '≠ not equal',
  contains: 'contains',
  startswith: 'starts with',
  endswith: 'ends with',
  gt: '> greater than',
  ge: '≥ greater or equal',
  lt: '< less than',
  le: '≤ less or equal',
  true: 'is true',
  false: 'is false',
  null: 'is null',
  notnull: 'is not null',
};

/** Whether the operator needs a value typed by the user. */
export function needsValue(op) {
  return !['true', 'false', 'null', 'notnull'].includes(op);
}

/** What to type for a value of this property: a placeholder for its input. */
export function valueHint(property) {
  if (property.enumMembers) return property.enumMembers[0] ?? '';
  switch (property.type) {
    case 'Edm.String': return 'text';
    case 'Edm.Date': return 'YYYY-MM-DD';
    case 'Edm.DateTimeOffset': return 'YYYY-MM-DDThh:mm:ssZ';
    case 'Edm.TimeOfDay': return 'hh:mm:ss';
    case 'Edm.Duration': return 'P1DT2H';
    case 'Edm.Guid': return '00000000-0000-0000-0000-000000000000';
    case 'Edm.Binary': return 'base64 or 0x hex';
    case 'Edm.Decimal': case 'Edm.Double': case 'Edm.Single': return 'number, e.g. 12.5';
    default: return INTEGER_TYPES.has(property.type) ? 'whole number' : '';
  }
}

class LiteralError extends Error {}

function isValidDate(y, m, d) {
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  return date.getUTCFullYear() === Number(y) && date.getUTCMonth() === Number(m) - 1 && date.getUTCDate() === Number(d);
}

function quote(text) {
  return "'" + text.replaceAll("'", "''") + "'";
}

function base64UrlFromInput(text) {
  const compact = text.replace(/\s+/g, '');
  if (/^0x([0-9a-f]{2})*$/i.test(compact)) {
    let binary = '';
    for (let i = 2; i < compact.length; i += 2) binary += String.fromCharCode(parseInt(compact.slice(i, i + 2), 16));
    return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
  }
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(compact) || compact.replace(/=+$/, '').length % 4 === 1) {
    throw new LiteralError('Enter the bytes as base64 (for example iVBORw0KGgo=) or as hexadecimal starting with 0x.');
  }
  return compact.replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/**
 * The OData literal for what the user typed, or an error message that says what to type instead.
 * Returns {literal} or {error}.
 */
export function toLiteral(property, input) {
  try {
    return { literal: literalOf(property, input) };
  } catch (e) {
    if (e instanceof LiteralError) return { error: e.message };
    throw e;
  }
}

function literalOf(property, input) {
  const type = property.type;
  if (property.enumMembers) {
    const member = property.enumMembers.find(m => m === input.trim());
    if (member === undefined) throw new LiteralError(`Choose one of: ${property.enumMembers.join(', ')}.`);
    return property.typeName + quote(member);
  }
  if (type === 'Edm.String') return quote(input);
  const text = input.trim();
  if (text === '') throw new LiteralError('Enter a value.');
  if (INTEGER_TYPES.has(type)) {
    if (!/^[+-]?\d+$/.test(text)) throw new LiteralError('Enter a whole number, for example 42.');
    const value = BigInt(text);
    const [min, max] = INTEGER_RANGES[type];
    if (value < min || value > max) throw new LiteralError(`Enter a whole number from ${min} to ${max}.`);
    return value.toString();
  }
  if (type === 'Edm.Decimal' || FLOAT_TYPES.has(type)) {
    if (FLOAT_TYPES.has(type) && /^(-?INF|NaN)$/.test(text)) return text;
    const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
    if (!match || (match[2] === '' && (match[3] ?? '') === '')) throw new LiteralError('Enter a number, for example 12.5 (a dot before the decimals, no thousands separators).');
    const [, sign, whole, fraction, exponent] = match;
    let literal = (sign === '-' ? '-' : '') + (whole === '' ? '0' : whole);
    if (fraction) literal += '.' + fraction;
    if (exponent !== undefined) literal += 'e' + exponent;
    return literal;
  }
  if (type === 'Edm.Boolean') {
    if (!/^(true|false)$/i.test(text)) throw new LiteralError('Enter true or false.');
    return text.toLowerCase();
  }
  if (type === 'Edm.Date') {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
    if (!m || !isValidDate(m[1], m[2], m[3])) throw new LiteralError('Enter a date as YYYY-MM-DD, for example 2024-01-31.');
    return text;
  }
  if (type === 'Edm.DateTimeOffset') {
    const dateOnly = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
    if (dateOnly && isValidDate(dateOnly[1], dateOnly[2], dateOnly[3])) return text + 'T00:00:00Z';
    const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,12})?)?(Z|[+-]\d{2}:\d{2})?$/i.exec(text);
    if (!m || !isValidDate(m[1], m[2], m[3]) || Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59) {
      throw new LiteralError('Enter a timestamp as YYYY-MM-DDThh:mm:ssZ, for example 2024-01-31T14:30:00Z (or with an offset such as +01:00).');
    }
    if (!m[8]) throw new LiteralError('Add a time zone: Z for UTC, or an offset such as +01:00.');
    return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}${m[7] ?? ''}${m[8].toUpperCase()}`;
  }
  if (type === 'Edm.TimeOfDay') {
    const m = /^(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,12})?)?$/.exec(text);
    if (!m || Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3] ?? 0) > 59) throw new LiteralError('Enter a time as hh:mm:ss, for example 14:30:00.');
    return `${m[1]}:${m[2]}:${m[3] ?? '00'}${m[4] ?? ''}`;
  }
  if (type === 'Edm.Guid') {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text)) {
      throw new LiteralError('Enter a GUID such as 01234567-89ab-cdef-0123-456789abcdef.');
    }
    return text.toLowerCase();
  }
  if (type === 'Edm.Duration') {
    if (!/^-?P(?=\d|T\d)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/.test(text)) throw new LiteralError('Enter a duration such as P1DT2H30M (days, hours, minutes, seconds).');
    return `duration'${text}'`;
  }
  if (type === 'Edm.Binary') return `binary'${base64UrlFromInput(text)}'`;
  throw new LiteralError(`Filtering on ${type} is not supported by the explorer.`);
}

/** One filter condition as a $filter term, or {error}. */
export function filterTerm(property, op, input) {
  const path = property.name;
  switch (op) {
    case 'null': return { term: `${path} eq null` };
    case 'notnull': return { term: `${path} ne null` };
    case 'true': return { term: `${path} eq true` };
    case 'false': return { term: `${path} eq false` };
  }
  const { literal, error } = toLiteral(property, input);
  if (error) return { error };
  if (op === 'contains' || op === 'startswith' || op === 'endswith') return { term: `${op}(${path},${literal})` };
  return { term: `${path} ${op} ${literal}` };
}

/**
 * Percent-encodes a query option value. Keeps the characters OData URLs are read by (quotes, parentheses, commas,
 * colons, '$', '@') and encodes everything else that is not unreserved, including '+' (a space to many parsers),
 * '&', '=', '#', '%', '/' and '?'.
 */
export function encodeQueryValue(value) {
  return encodeURIComponent(value)
    .replaceAll('%2C', ',')
    .replaceAll('%3A', ':')
    .replaceAll('%24', '$')
    .replaceAll('%40', '@');
}

/** The query string (without '?') of a query: {filter, search, select: [], orderby: [{name, desc}], count}. */
export function queryString(query) {
  const parts = [];
  if (query.filter) parts.push('$filter=' + encodeQueryValue(query.filter));
  if (query.search) parts.push('$search=' + encodeQueryValue(query.search));
  if (query.select && query.select.length > 0) parts.push('$select=' + encodeQueryValue(query.select.join(',')));
  if (query.orderby && query.orderby.length > 0) {
    parts.push('$orderby=' + encodeQueryValue(query.orderby.map(o => o.name + (o.desc ? ' desc' : ' asc')).join(',')));
  }
  parts.push('$count=true');
  return parts.join('&');
}

/** Quotes a word for a POSIX shell (single quotes; a quote inside becomes '\''). */
export function shellQuote(text) {
  return "'" + text.replaceAll("'", "'\\''") + "'";
}

/**
 * The curl command for a request: the URL and the headers the page sends, with the credential as a shell
 * variable rather than the secret itself.
 */
export function curlCommand(url, headers, credential) {
  const lines = ['curl ' + shellQuote(url)];
  for (const [name, value] of Object.entries(headers)) lines.push('-H ' + shellQuote(`${name}: ${value}`));
  if (credential?.method === 'basic') {
    const user = /^[A-Za-z0-9._@-]+$/.test(credential.user) ? credential.user : '$ODATA_USER';
    lines.push(`-u "${user}:$ODATA_PASSWORD"`);
  } else if (credential?.method === 'apikey') {
    const header = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(credential.header) && !credential.header.includes("'") ? credential.header : 'X-API-Key';
    lines.push(`-H "${header}: $ODATA_API_KEY"`);
  } else if (credential?.method === 'bearer') {
    lines.push('-H "Authorization: Bearer $ODATA_TOKEN"');
  }
  return lines.join(' \\\n  ');
}

/** The shell variables the curl command expects, by credential method. */
export function curlVariables(credential) {
  switch (credential?.method) {
    case 'basic': return /^[A-Za-z0-9._@-]+$/.test(credential.user) ? ['ODATA_PASSWORD'] : ['ODATA_USER', 'ODATA_PASSWORD'];
    case 'apikey': return ['ODATA_API_KEY'];
    case 'bearer': return ['ODATA_TOKEN'];
    default: return [];
  }
}

/** The request headers that carry a credential: {method: 'basic'|'apikey'|'bearer', user, password, header, key, token}. */
export function credentialHeaders(credential) {
  switch (credential?.method) {
    case 'basic': {
      const bytes = new TextEncoder().encode(`${credential.user}:${credential.password}`);
      let binary = '';
      for (const b of bytes) binary += String.fromCharCode(b);
      return { Authorization: 'Basic ' + btoa(binary) };
    }
    case 'apikey': return { [credential.header]: credential.key };
    case 'bearer': return { Authorization: 'Bearer ' + credential.token };
    default: return {};
  }
}

/**
 * The authentication methods a 401 offers, from its WWW-Authenticate header (fetch joins several headers with
 * ", "): {basic, bearer, apiKeyHeader}.
 */
export function parseChallenges(header) {
  const result = { basic: false, bearer: false, apiKeyHeader: null };
  if (!header) return result;
  result.basic = /(^|,)\s*Basic(\s|,|$)/i.test(header);
  result.bearer = /(^|,)\s*Bearer(\s|,|$)/i.test(header);
  const apiKey = /(^|,)\s*ApiKey\s+header="([^"]+)"/i.exec(header);
  if (apiKey) result.apiKeyHeader = apiKey[2];
  return result;
}

/** An OData error body as {code, message, target, details: [{code, message, target}], requestId}, or null. */
export function parseError(body) {
  const error = body && typeof body === 'object' ? body.error : null;
  if (!error || typeof error !== 'object') return null;
  const text = v => (typeof v === 'string' ? v : v == null ? '' : String(v));
  return {
    code: text(error.code),
    message: text(error.message),
    target: typeof error.target === 'string' && error.target !== '' ? error.target : null,
    details: Array.isArray(error.details)
      ? error.details.filter(d => d && typeof d === 'object').map(d => ({ code: text(d.code), message: text(d.message), target: typeof d.target === 'string' ? d.target : null }))
      : [],
    requestId: text(error.innererror?.requestId) || null,
  };
}

function resolveType(schemas, qualified) {
  const dot = qualified.lastIndexOf('.');
  if (dot < 0) return null;
  const ns = qualified.slice(0, dot);
  const schema = schemas.get(ns);
  return schema ? { namespace: schema.namespace, name: qualified.slice(dot + 1), definition: schema.body[qualified.slice(dot + 1)] } : null;
}

/**
 * The entity sets of a CSDL JSON document (OData 4.01 JSON CSDL), each with its structural properties
 * ({name, type, nullable, maxLength, precision, scale, isKey, enumMembers}), key, navigation properties and annotations.
 */
export function parseCsdl(csdl) {
  const schemas = new Map();
  for (const [key, body] of Object.entries(csdl)) {
    if (key.startsWith('$') || !body || typeof body !== 'object') continue;
    const entry = { namespace: key, body };
    schemas.set(key, entry);
    if (typeof body.$Alias === 'string') schemas.set(body.$Alias, entry);
  }
  const containerName = csdl.$EntityContainer;
  const container = containerName ? resolveType(schemas, containerName)?.definition : null;
  const sets = new Map();
  if (!container) return sets;

  for (const [setName, set] of Object.entries(container)) {
    if (setName.startsWith('$') || !set || set.$Collection !== true || typeof set.$Type !== 'string') continue;
    const properties = [];
    const navigation = [];
    let key = null;
    // Walk the type and its base types, base first.
    const chain = [];
    for (let type = resolveType(schemas, set.$Type); type?.definition && chain.length < 32; type = type.definition.$BaseType ? resolveType(schemas, type.definition.$BaseType) : null) {
      chain.unshift(type.definition);
    }
    for (const definition of chain) {
      if (Array.isArray(definition.$Key)) key = definition.$Key.map(k => (typeof k === 'string' ? k : Object.values(k)[0]));
      for (const [name, member] of Object.entries(definition)) {
        if (name.startsWith('$') || !member || typeof member !== 'object') continue;
        if (member.$Kind === 'NavigationProperty') {
          navigation.push({ name, target: set.$NavigationPropertyBinding?.[name] ?? (member.$Type ?? '').split('.').pop(), collection: member.$Collection === true });
        } else if (member.$Kind === undefined || member.$Kind === 'Property') {
          properties.push(structuralProperty(schemas, name, member));
        }
      }
    }
    const keySet = new Set(key ?? []);
    for (const p of properties) p.isKey = keySet.has(p.name);
    // The set's own annotations (Capabilities.InsertRestrictions, …), as sent: the editor reads what it may write.
    const annotations = Object.fromEntries(Object.entries(set).filter(([name]) => name.startsWith('@')));
    sets.set(setName, { name: setName, typeName: set.$Type, properties, key: key ?? [], navigation, annotations });
  }
  return sets;
}

function structuralProperty(schemas, name, member) {
  let type = member.$Type ?? 'Edm.String';
  let typeName = type;
  let enumMembers = null;
  const facets = { maxLength: member.$MaxLength, precision: member.$Precision, scale: member.$Scale };
  if (!type.startsWith('Edm.')) {
    const resolved = resolveType(schemas, type);
    const definition = resolved?.definition;
    if (definition?.$Kind === 'TypeDefinition') {
      type = definition.$UnderlyingType ?? 'Edm.String';
      facets.maxLength ??= definition.$MaxLength;
      facets.precision ??= definition.$Precision;
      facets.scale ??= definition.$Scale;
    } else if (definition?.$Kind === 'EnumType') {
      enumMembers = Object.keys(definition).filter(k => !k.startsWith('$') && !k.startsWith('@'));
      typeName = `${resolved.namespace}.${resolved.name}`;
    }
  }
  return {
    name,
    type,
    typeName,
    collection: member.$Collection === true,
    nullable: member.$Nullable === true,
    maxLength: facets.maxLength,
    precision: facets.precision,
    scale: facets.scale,
    enumMembers,
    isKey: false,
  };
}

/** A property's type for people: Edm.String(34), Edm.Decimal(18,2), … */
export function describeType(property) {
  let text = property.enumMembers ? property.typeName : property.type;
  if (property.maxLength !== undefined && property.maxLength !== 'max') text += `(${property.maxLength})`;
  else if (property.precision !== undefined && property.scale !== undefined && property.type === 'Edm.Decimal') text += `(${property.precision},${property.scale})`;
  else if (property.precision !== undefined && property.type === 'Edm.Decimal') text += `(${property.precision})`;
  if (property.collection) text = `Collection(${text})`;
  return text;
}
