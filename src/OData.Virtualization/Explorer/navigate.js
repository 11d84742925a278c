// Following a relationship from a result row: each row of a set with navigation properties links to
// Set(key)/Nav, the key written by the OData URL conventions (strings in single quotes with a quote doubled,
// composite keys as name=value pairs, everything percent-encoded but the quotes and parentheses). The link is a
// page address (#/Set(key)/Nav), so the browser's history walks back, a link opens in a new tab, and the page
// reads the same path back when it loads.

import { h } from './dom.js';
import { toLiteral } from './odata.js';

/** A key literal as it goes into a URL path: percent-encoded, so that '/', '%', '#', '?' and spaces stay inside the key. */
function encodeKeyLiteral(literal) {
  return encodeURIComponent(literal);
}

/**
 * The key predicate of a row of a set: ('O''Brien%2050%25'), (42) or (warehouse_code='BER1',sku='x'). Null when
 * the set has no key or the row lacks a key value (a $select without the key), or a value cannot be a literal.
 */
export function keyPredicate(set, row) {
  if (set.key.length === 0) return null;
  const byName = new Map(set.properties.map(p => [p.name, p]));
  const parts = [];
  for (const name of set.key) {
    const value = row[name];
    const property = byName.get(name);
    if (value === null || value === undefined || !property) return null;
    const { literal, error } = toLiteral(property, typeof value === 'string' ? value : String(value));
    if (error) return null;
    parts.push(set.key.length === 1 ? encodeKeyLiteral(literal) : `${encodeURIComponent(name)}=${encodeKeyLiteral(literal)}`);
  }
  return `(${parts.join(',')})`;
}

/** The key of a row for people: its values, joined by commas. */
export function keyLabel(set, row) {
  return set.key.map(name => String(row[name])).join(', ');
}

/** The page address that follows navigation property <nav> from a row: #/Set(key)/Nav. */
export function followHash(set, predicate, nav) {
  return `#/${encodeURIComponent(set.name)}${predicate}/${encodeURIComponent(nav.name)}`;
}

/**
 * A navigation path in the page's address, or null: {setName, predicate, navName}. The predicate is kept as
 * written (already percent-encoded); one holding an unencoded '/', '?', '#' or '\' is refused, so that an address
 * cannot make the page request another path of the server than Set(key)/Nav.
 */
export function parseFollowHash(hash) {
  const match = /^#\/?([^(/]+)(\(.*\))\/([^/()]+)$/.exec(hash);
  if (!match || /[/?#\\]/.test(match[2])) return null;
  try {
    return { setName: decodeURIComponent(match[1]), predicate: match[2], navName: decodeURIComponent(match[3]) };
  } catch {
    return null;
  }
}

/**
 * What the page needs to show a followed relationship, or an error message: the set the path starts from, the
 * navigation property, the set its rows come from, and the service path Set(key)/Nav.
 */
export function resolveFollow(sets, parsed) {
  const from = sets.get(parsed.setName);
  if (!from) return { error: `There is no entity set '${parsed.setName}' you can read.` };
  const nav = from.navigation.find(n => n.name === parsed.navName);
  if (!nav) return { error: `The entity set '${from.name}' has no relationship '${parsed.navName}'.` };
  const target = sets.get(nav.target);
  if (!target) return { error: `The rows of '${from.name}/${nav.name}' come from '${nav.target}', which you cannot read.` };
  let keyText;
  try {
    keyText = decodeURIComponent(parsed.predicate.slice(1, -1));
  } catch {
    keyText = parsed.predicate.slice(1, -1);
  }
  return { from, nav, target, predicate: parsed.predicate, keyText, path: `${from.url}${parsed.predicate}/${encodeURIComponent(nav.name)}` };
}

/** The links of one result row, one per relationship whose rows the user can read; null when there are none. */
export function rowLinks(set, row, sets) {
  const navigation = set.navigation.filter(n => sets.has(n.target));
  if (navigation.length === 0) return null;
  const predicate = keyPredicate(set, row);
  if (!predicate) return null;
  const key = keyLabel(set, row);
  return h('ul', { class: 'follow-links' }, navigation.map(nav => h('li', {},
    h('a', {
      href: followHash(set, predicate, nav),
      'aria-label': `${nav.name} of ${key}`,
      title: nav.collection ? `The ${nav.target} rows of ${set.name} ${key}` : `The ${nav.target} row of ${set.name} ${key}`,
    }, nav.name, nav.collection ? h('span', { class: 'follow-many', 'aria-hidden': 'true' }, ' …') : null))));
}

/** The breadcrumb above a followed relationship: set › key › relationship, the first two links back. */
export function renderTrail(container, follow) {
  if (!follow) {
    container.replaceChildren();
    container.hidden = true;
    return;
  }
  const { from, nav, keyText } = follow;
  container.replaceChildren(h('ol', {},
    h('li', {}, h('a', { href: '#/' + encodeURIComponent(from.name) }, from.name)),
    h('li', {}, h('span', { class: 'trail-key' }, `(${keyText})`)),
    h('li', {}, h('span', { 'aria-current': 'page' }, nav.name, nav.target === nav.name ? '' : ` → ${nav.target}`, nav.collection ? ' (many)' : ''))));
  container.hidden = false;
}
