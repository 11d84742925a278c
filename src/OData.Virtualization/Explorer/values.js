// How one value of a result row is shown: NULL and empty strings unmistakable, numbers with every digit the
// server sent, binary as its length and first bytes. Builds DOM nodes; never parses data as HTML.

const NUMERIC = new Set(['Edm.Byte', 'Edm.SByte', 'Edm.Int16', 'Edm.Int32', 'Edm.Int64', 'Edm.Decimal', 'Edm.Double', 'Edm.Single']);
const PREVIEW_BYTES = 8;

function span(className, text, title) {
  const element = document.createElement('span');
  element.className = className;
  element.textContent = text;
  if (title) element.title = title;
  return element;
}

/** The bytes of a base64 or base64url string, or null when it is neither. */
export function decodeBase64(text) {
  const standard = text.replaceAll('-', '+').replaceAll('_', '/');
  const padded = standard + '='.repeat((4 - (standard.length % 4)) % 4);
  try {
    const binary = atob(padded);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return null;
  }
}

/** "12 bytes · 89 50 4e 47 0d 0a 1a 0a …" */
export function describeBinary(text) {
  const bytes = decodeBase64(text);
  if (!bytes) return null;
  const unit = bytes.length === 1 ? 'byte' : 'bytes';
  if (bytes.length === 0) return '0 bytes';
  const hex = Array.from(bytes.slice(0, PREVIEW_BYTES), b => b.toString(16).padStart(2, '0')).join(' ');
  return `${bytes.length.toLocaleString('en-US')} ${unit} · ${hex}${bytes.length > PREVIEW_BYTES ? ' …' : ''}`;
}

/** The local-time reading of a timestamp, for a tooltip. */
function localTime(text) {
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? null : `${date.toLocaleString()} (your time zone)`;
}

/**
 * A cell's content for a value of the given property (or of an unknown one: a dynamic or unexpected value).
 * Returns {node, numeric}.
 */
export function renderValue(value, property) {
  const type = property?.type;
  if (value === null || value === undefined) {
    return { node: span('value-null', 'NULL', 'null: no value') };
  }
  if (typeof value === 'string') {
    if (type === 'Edm.Binary') {
      const description = describeBinary(value);
      return { node: span('value-binary', description ?? value, `base64: ${value.length > 200 ? value.slice(0, 200) + '…' : value}`) };
    }
    if (value === '') {
      return { node: span('value-empty', 'empty', 'an empty string') };
    }
    if (type === 'Edm.DateTimeOffset') {
      return { node: span('value-time', value, localTime(value)) };
    }
    if (NUMERIC.has(type)) {
      return { node: span('value-number', value), numeric: true };
    }
    const node = span('value-text', value, value.length > 40 ? value : null);
    if (value.trim() !== value) node.classList.add('value-padded'); // leading or trailing spaces made visible
    return { node };
  }
  if (typeof value === 'number') {
    return { node: span('value-number', String(value)), numeric: true };
  }
  if (typeof value === 'boolean') {
    return { node: span('value-boolean', String(value)) };
  }
  // Complex or collection values (not published by this server today): their JSON, plainly.
  const json = JSON.stringify(value);
  return { node: span('value-json', json, json.length > 40 ? json : null) };
}
