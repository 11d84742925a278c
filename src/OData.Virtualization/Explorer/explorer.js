// The explorer page: reads the model from the OData service (service document, CSDL JSON), lists the entity
// sets by source, builds a query, and shows the rows page by page through @odata.nextLink.

import { h, setMessage } from './dom.js';
import { QueryBuilder } from './builder.js';
import {
  credentialHeaders, curlCommand, curlVariables, describeType, parseChallenges, parseCsdl, parseError,
  queryString, sameOriginLink,
} from './odata.js';
import { renderValue } from './values.js';

const ACCEPT = 'application/json;odata.metadata=minimal;IEEE754Compatible=true';
const STORAGE_KEY = 'odata-explorer-credential';
const DEFAULT_API_KEY_HEADER = 'X-API-Key';

const $ = id => document.getElementById(id);
const serviceRoot = new URL('odata/', document.baseURI).href;

const state = {
  credential: loadCredential(),
  apiKeyHeader: DEFAULT_API_KEY_HEADER,
  // Where credentials can be given: the ways the server says it accepts them (explorer/sources), and whether it has
  // answered 401. A server that needs none and accepts none (the demo) shows no credentials control at all.
  signIn: [],
  challenged: false,
  challenge: null, // the last 401's WWW-Authenticate
  sets: new Map(),
  current: null,
  query: null, // {url, selected, pageSize}
  pages: [], // URLs of the pages visited, first page first
  offsets: [0], // row number before each page
  pageIndex: 0,
  nextLink: null,
  inFlight: null,
  formChanged: false,
  focusSortedColumn: false,
};

const builder = new QueryBuilder({
  filterRows: $('filter-rows'),
  addFilter: $('add-filter'),
  filterExpression: $('filter-expression'),
  search: $('search'),
  orderRows: $('order-rows'),
  addOrder: $('add-order'),
  orderHint: $('order-hint'),
  selectDetails: $('select-box'),
  selectSummary: $('select-summary'),
  selectList: $('select-list'),
  selectAll: $('select-all'),
  selectNone: $('select-none'),
});

// ---- credentials -------------------------------------------------------------------------------------------

function loadCredential() {
  try {
    const stored = sessionStorage.getItem(STORAGE_KEY);
    return stored ? { ...JSON.parse(stored), remember: true } : null;
  } catch {
    return null;
  }
}

function saveCredential(credential) {
  state.credential = credential;
  try {
    if (credential?.remember) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(credential));
    else sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // Storage may be disabled: the credential stays in memory.
  }
  renderAuthStatus();
}

function renderAuthStatus() {
  const c = state.credential;
  const text = !c ? 'No credentials'
    : c.method === 'basic' ? `Signed in as ${c.user}`
      : c.method === 'apikey' ? `Using an API key (${c.header})`
        : 'Using a bearer token';
  $('auth-status').textContent = text;
  $('auth').hidden = !c && !state.challenged && state.signIn.length === 0;
}

/** Remembers that the server asked for credentials, and how: from now on the page offers them. */
function challenged(response) {
  state.challenged = true;
  state.challenge = response.headers.get('WWW-Authenticate') ?? state.challenge;
  renderAuthStatus();
}

/** The ways to sign in, from a 401's WWW-Authenticate or, without one, from what explorer/sources said. */
function offeredWays(challengeHeader) {
  if (challengeHeader ?? state.challenge) return parseChallenges(challengeHeader ?? state.challenge);
  return {
    basic: state.signIn.includes('basic'),
    bearer: state.signIn.includes('bearer'),
    apiKeyHeader: state.signIn.includes('apikey') ? state.apiKeyHeader : null,
  };
}

let retryAfterSignIn = null;

/** Opens the credentials dialog; after the user gives credentials, the model is read again. */
function promptCredentials(reason, challengeHeader) {
  const dialog = $('auth-dialog');
  const offered = offeredWays(challengeHeader);
  if (offered.apiKeyHeader) state.apiKeyHeader = offered.apiKeyHeader;
  const ways = [];
  if (offered.basic) ways.push('a user name and password');
  if (offered.apiKeyHeader) ways.push(`an API key (header ${offered.apiKeyHeader})`);
  if (offered.bearer) ways.push('a bearer token');
  $('auth-title').textContent = reason ? 'Sign in to this server' : 'Credentials';
  $('auth-forget').hidden = !state.credential;
  setMessage($('auth-reason'), reason ?? '');
  setMessage($('auth-offered'), ways.length > 0 ? `This server accepts ${ways.join(', or ')}.` : '');

  const c = state.credential;
  const method = c?.method ?? (offered.basic ? 'basic' : offered.apiKeyHeader ? 'apikey' : offered.bearer ? 'bearer' : 'basic');
  $('auth-form').elements.method.value = method;
  $('auth-user').value = c?.method === 'basic' ? c.user : '';
  $('auth-password').value = '';
  $('auth-header').value = c?.method === 'apikey' ? c.header : state.apiKeyHeader;
  $('auth-key').value = '';
  $('auth-token').value = '';
  $('auth-remember').checked = c?.remember ?? false;
  setMessage($('auth-error'), '');
  showMethodFields();
  if (!dialog.open) dialog.showModal();
  focusFirstCredentialField();
}

function showMethodFields() {
  const method = $('auth-form').elements.method.value;
  for (const group of document.querySelectorAll('[data-method]')) group.hidden = group.dataset.method !== method;
}

function focusFirstCredentialField() {
  const method = $('auth-form').elements.method.value;
  const first = { basic: 'auth-user', apikey: 'auth-key', bearer: 'auth-token' }[method];
  const field = first ? $(first) : null;
  (method === 'basic' && field.value ? $('auth-password') : field ?? $('auth-submit')).focus();
}

$('auth-form').addEventListener('change', event => {
  if (event.target.name === 'method') showMethodFields();
});

$('auth-form').addEventListener('submit', event => {
  event.preventDefault();
  const method = $('auth-form').elements.method.value;
  const remember = $('auth-remember').checked;
  let credential = null;
  let missing = null;
  if (method === 'basic') {
    credential = { method, user: $('auth-user').value, password: $('auth-password').value };
    if (!credential.user) missing = ['Enter a user name.', 'auth-user'];
    else if (/:/.test(credential.user)) missing = ['A user name cannot contain a colon (HTTP Basic).', 'auth-user'];
  } else if (method === 'apikey') {
    credential = { method, header: $('auth-header').value.trim(), key: $('auth-key').value.trim() };
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(credential.header)) missing = ['Enter the header name, for example X-API-Key.', 'auth-header'];
    else if (/^(authorization|cookie|host|content-.*|accept|prefer)$/i.test(credential.header)) missing = [`${credential.header} cannot carry an API key: use the header the server is configured with.`, 'auth-header'];
    else if (!credential.key) missing = ['Enter the API key.', 'auth-key'];
    else if (!/^[\x21-\x7e]+$/.test(credential.key)) missing = ['An API key is sent in a header: it can hold only visible ASCII characters, without spaces.', 'auth-key'];
  } else if (method === 'bearer') {
    credential = { method, token: $('auth-token').value.trim().replace(/^Bearer\s+/i, '') };
    if (!credential.token) missing = ['Paste the token.', 'auth-token'];
    else if (!/^[\x21-\x7e]+$/.test(credential.token)) missing = ['A token can hold only visible ASCII characters, without spaces.', 'auth-token'];
  }
  if (missing) {
    setMessage($('auth-error'), missing[0]);
    $(missing[1]).focus();
    return;
  }
  if (credential) credential.remember = remember;
  saveCredential(credential);
  $('auth-dialog').close();
  const retry = retryAfterSignIn ?? loadModel;
  retryAfterSignIn = null;
  retry();
});

$('auth-cancel').addEventListener('click', () => $('auth-dialog').close());
$('auth-forget').addEventListener('click', () => {
  saveCredential(null);
  $('auth-dialog').close();
  loadModel();
});
$('auth-open').addEventListener('click', () => promptCredentials(null, null));

// ---- requests ------------------------------------------------------------------------------------------------

/** The headers the page sends with a query (without the credential): also what the curl command shows. */
function queryHeaders(pageSize) {
  return { Accept: ACCEPT, Prefer: `odata.maxpagesize=${pageSize}`, 'OData-MaxVersion': '4.0' };
}

/**
 * GETs a URL of this server with the user's credential. Resolves to {response, body, error}; never rejects
 * except when aborted. credentials: 'omit' keeps the browser's own login prompt and cookies out of it: the page
 * sends exactly the credential the user gave.
 */
async function send(url, headers, signal) {
  let response;
  try {
    response = await fetch(url, {
      headers: { ...headers, ...credentialHeaders(state.credential) },
      credentials: 'omit',
      cache: 'no-cache',
      signal,
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    return { response: null, body: null, error: { code: 'NetworkError', message: `The server could not be reached (${e.message}). Check that it is running and try again.` } };
  }
  let body = null;
  const text = await response.text();
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (response.ok && body !== null) return { response, body, error: null };
  const error = parseError(body) ?? {
    code: String(response.status),
    message: response.ok ? 'The server sent a response that is not JSON.' : `The server answered ${response.status} ${response.statusText}.`,
    target: null,
    details: [],
  };
  return { response, body, error };
}

function explainStatus(response, error) {
  if (!response) return error.message;
  if (response.status === 403) return `Not allowed: ${error.message}`;
  if (response.status === 429) {
    const wait = response.headers.get('Retry-After');
    return `${error.message}${wait ? ` Try again in ${wait} seconds.` : ''}`;
  }
  return error.message;
}

// ---- the model -------------------------------------------------------------------------------------------

async function loadModel() {
  const nav = $('sets-list');
  setMessage($('sets-message'), 'Reading the model…');
  nav.replaceChildren();
  const json = { Accept: 'application/json', 'OData-MaxVersion': '4.0' };
  const service = await send(serviceRoot, json);
  if (service.error) {
    if (service.response?.status === 401) {
      challenged(service.response);
      showSignInNeeded(service.error.message);
      promptCredentials(state.credential ? `These credentials were not accepted: ${service.error.message}` : service.error.message,
        service.response.headers.get('WWW-Authenticate'));
      return;
    }
    showModelError(explainStatus(service.response, service.error));
    return;
  }
  const [metadata, sources] = await Promise.all([
    send(serviceRoot + '$metadata?$format=json', json),
    send(new URL('explorer/sources', document.baseURI).href, { Accept: 'application/json' }),
  ]);
  if (metadata.error) {
    showModelError(`The model ($metadata) could not be read: ${explainStatus(metadata.response, metadata.error)}`);
    return;
  }

  state.signIn = Array.isArray(sources.body?.signIn) ? sources.body.signIn : [];
  if (typeof sources.body?.apiKeyHeader === 'string') state.apiKeyHeader = sources.body.apiKeyHeader;
  const model = parseCsdl(metadata.body);
  const sourceOf = new Map();
  for (const source of sources.body?.sources ?? []) {
    for (const set of source.entitySets ?? []) sourceOf.set(set.name, { source: source.name, kind: set.kind });
  }
  state.sets = new Map();
  for (const entry of service.body?.value ?? []) {
    if (entry.kind && entry.kind !== 'EntitySet') continue;
    const set = model.get(entry.name);
    if (!set) continue;
    state.sets.set(entry.name, { ...set, url: entry.url ?? entry.name, ...(sourceOf.get(entry.name) ?? {}) });
  }
  renderAuthStatus();
  renderSetList();
  route(false);
}

function showSignInNeeded(message) {
  setMessage($('sets-message'), '');
  $('sets-list').replaceChildren(h('div', { class: 'notice' },
    h('p', {}, message || 'This server needs credentials.'),
    h('button', { type: 'button', class: 'primary', onclick: () => promptCredentials(message, null) }, 'Give credentials')));
}

function showModelError(message) {
  setMessage($('sets-message'), '');
  $('sets-list').replaceChildren(h('div', { class: 'notice error', role: 'alert' },
    h('p', {}, message),
    h('button', { type: 'button', onclick: loadModel }, 'Try again')));
}

function renderSetList() {
  const find = $('sets-find').value.trim().toLowerCase();
  const groups = new Map();
  for (const set of state.sets.values()) {
    if (find && !set.name.toLowerCase().includes(find) && !(set.source ?? '').toLowerCase().includes(find)) continue;
    const key = set.source ?? '';
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(set);
  }
  const sections = [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([source, sets]) => h('section', { class: 'source' },
    source ? h('h3', {}, h('span', { class: 'source-label' }, 'Source '), source) : null,
    h('ul', {}, sets.sort((a, b) => a.name.localeCompare(b.name)).map(set => h('li', {},
      h('a', { href: '#/' + encodeURIComponent(set.name), 'aria-current': state.current?.name === set.name ? 'page' : null },
        h('span', { class: 'set-name' }, set.name),
        set.kind === 'view' ? h('span', { class: 'badge' }, 'view') : null))))));
  $('sets-list').replaceChildren(...sections);
  setMessage($('sets-message'), state.sets.size === 0 ? 'This server publishes no entity set you can read.'
    : sections.length === 0 ? 'No entity set matches.' : '');
  $('sets-count').textContent = `(${state.sets.size})`;
}

$('sets-find').addEventListener('input', renderSetList);
$('sets-find').addEventListener('keydown', event => {
  const first = $('sets-list').querySelector('a');
  if (event.key === 'Enter' && first) {
    event.preventDefault();
    first.click();
  }
});

// ---- choosing a set --------------------------------------------------------------------------------------

function route(moveFocus) {
  let name;
  try {
    name = decodeURIComponent(location.hash.replace(/^#\/?/, ''));
  } catch {
    name = location.hash.replace(/^#\/?/, ''); // not valid percent-encoding: take it as it is
  }
  const set = state.sets.get(name);
  if (!set) {
    state.current = null;
    $('set-view').hidden = true;
    $('welcome').hidden = false;
    if (name) setMessage($('welcome-message'), `There is no entity set '${name}' you can read.`);
    renderSetList();
    return;
  }
  openSet(set, moveFocus);
}

window.addEventListener('hashchange', () => route(true));

function openSet(set, moveFocus) {
  state.current = set;
  $('welcome').hidden = true;
  $('set-view').hidden = false;
  $('set-title').textContent = set.name;
  const facts = [];
  if (set.source) facts.push(`${set.kind === 'view' ? 'View' : 'Table'} in source ${set.source}`);
  facts.push(set.key.length === 0 ? 'no key' : `key ${set.key.join(', ')}`);
  facts.push(`${set.properties.length} columns`);
  $('set-facts').textContent = facts.join(' · ');
  renderColumns(set);
  builder.reset(set);
  renderSetList();
  document.title = `${set.name} · OData Virtualization Explorer`;
  if (moveFocus) $('set-title').focus();
  runQuery();
}

function renderColumns(set) {
  $('columns-summary').textContent = `Columns and types (${set.properties.length})`;
  $('columns-body').replaceChildren(...set.properties.map(p => h('tr', {},
    h('th', { scope: 'row' }, p.name),
    h('td', {}, h('code', {}, describeType(p))),
    h('td', {}, p.nullable ? 'yes' : 'no'),
    h('td', {}, p.isKey ? h('span', { class: 'badge key' }, `key ${set.key.indexOf(p.name) + 1}`) : ''))));
  const links = $('navigation');
  links.replaceChildren();
  if (set.navigation.length > 0) {
    links.append('Related: ', ...set.navigation.flatMap((n, i) => {
      const target = state.sets.get(n.target);
      const label = `${n.name} → ${n.target}${n.collection ? ' (many)' : ''}`;
      return [i > 0 ? ', ' : '', target ? h('a', { href: '#/' + encodeURIComponent(target.name) }, label) : label];
    }));
  }
  links.hidden = set.navigation.length === 0;
}

// ---- running a query --------------------------------------------------------------------------------------

const errorSlots = {
  $filter: 'filter-error',
  $search: 'search-error',
  $orderby: 'orderby-error',
  $select: 'select-error',
  $expand: 'select-error',
  $top: 'page-error',
  $skip: 'page-error',
};
const sectionNames = { 'filter-error': 'Filter', 'search-error': 'Search', 'orderby-error': 'Sort', 'select-error': 'Columns', 'page-error': 'Rows per page' };

function clearQueryErrors() {
  for (const id of Object.keys(sectionNames)) setMessage($(id), '');
  for (const box of document.querySelectorAll('.has-error')) box.classList.remove('has-error');
  $('filter-expression').removeAttribute('aria-invalid');
  $('search').removeAttribute('aria-invalid');
  builder.clearErrors();
  $('results-error').replaceChildren();
  $('results-error').hidden = true;
}

function showResultsError(...content) {
  $('results-error').replaceChildren(...content);
  $('results-error').hidden = false;
}

/** Shows an OData error next to the part of the query it is about, and a pointer to it above the results. */
function showQueryError(response, error) {
  const status = response ? `${response.status} ${error.code}` : error.code;
  let target = error.target;
  if (target && !errorSlots[target] && state.current?.properties.some(p => p.name === target)) target = builder.sectionUsing(target);
  const slotId = target ? errorSlots[target] : null;
  const detailList = error.details.length > 0
    ? h('ul', {}, error.details.map(d => h('li', {}, d.target ? `${d.target}: ${d.message}` : d.message)))
    : null;
  const reference = error.requestId ? h('span', { class: 'request-id' }, ` (request ${error.requestId})`) : null;
  if (slotId) {
    const slot = $(slotId);
    slot.replaceChildren(h('strong', {}, 'The server says: '), explainStatus(response, error), reference ?? '', detailList ?? '');
    slot.hidden = false;
    slot.closest('.group, .run-row')?.classList.add('has-error');
    if (slotId === 'filter-error' && $('filter-expression').value.trim()) $('filter-expression').setAttribute('aria-invalid', 'true');
    if (slotId === 'search-error') $('search').setAttribute('aria-invalid', 'true');
    if (slotId === 'select-error') $('select-box').open = true;
    showResultsError(
      h('p', {}, `The server rejected the query (${status}): see the message at ${sectionNames[slotId]}. `,
        h('button', { type: 'button', class: 'link', onclick: () => focusSection(slotId) }, `Go to ${sectionNames[slotId]}`)));
  } else {
    showResultsError(h('p', {}, h('strong', {}, `${status}: `), explainStatus(response, error), reference ?? ''), detailList ?? '');
  }
}

function focusSection(slotId) {
  const focusable = {
    'filter-error': () => $('filter-expression').value.trim() ? $('filter-expression') : ($('filter-rows').querySelector('input, select') ?? $('filter-expression')),
    'search-error': () => $('search'),
    'orderby-error': () => $('order-rows').querySelector('select') ?? $('add-order'),
    'select-error': () => $('select-summary'),
    'page-error': () => $('page-size'),
  }[slotId]();
  focusable.focus();
}

function runQuery() {
  const set = state.current;
  if (!set) return;
  clearQueryErrors();
  const built = builder.build();
  if (built.errors.length > 0) {
    const selectError = built.errors.find(e => e.selectError);
    if (selectError) {
      setMessage($('select-error'), selectError.message);
      $('select-box').open = true;
    }
    showResultsError(h('p', {}, 'Fix the highlighted fields first: ', built.errors.map(e => e.message).join(' ')));
    built.errors[0].focus?.focus();
    return;
  }
  const pageSize = Number($('page-size').value);
  const url = serviceRoot + set.url + '?' + queryString(built.query);
  state.query = { url, selected: built.selected, orderby: built.query.orderby, pageSize, set };
  state.pages = [url];
  state.offsets = [0];
  state.formChanged = false;
  $('form-changed').hidden = true;
  renderRequest();
  loadPage(0);
}

function renderRequest() {
  const { url, pageSize } = state.query;
  $('request-url').value = url;
  const curl = curlCommand(url, queryHeaders(pageSize), state.credential);
  $('request-curl').value = curl;
  const variables = curlVariables(state.credential);
  setMessage($('curl-note'), variables.length > 0 ? `Set ${variables.join(' and ')} in your shell first: the command does not contain your credentials.` : '');
}

async function loadPage(index) {
  const query = state.query;
  state.inFlight?.abort();
  const controller = new AbortController();
  state.inFlight = controller;
  const results = $('results');
  results.setAttribute('aria-busy', 'true');
  $('results-status').textContent = index === 0 ? 'Running the query…' : `Loading page ${index + 1}…`;
  $('run').disabled = true;
  const started = performance.now();
  let outcome;
  try {
    outcome = await send(state.pages[index], queryHeaders(query.pageSize), controller.signal);
  } catch {
    return; // replaced by a newer request
  } finally {
    if (state.inFlight === controller) {
      results.removeAttribute('aria-busy');
      $('run').disabled = false;
      state.inFlight = null;
    }
  }
  if (state.query !== query) return;
  const elapsed = Math.round(performance.now() - started);
  const { response, body, error } = outcome;
  if (error) {
    $('results-status').textContent = '';
    clearRows();
    if (response?.status === 401) {
      challenged(response);
      showResultsError(h('p', {}, 'This query needs credentials. ',
        h('button', { type: 'button', class: 'link', onclick: () => promptCredentials(error.message, response.headers.get('WWW-Authenticate')) }, 'Give credentials')));
      retryAfterSignIn = loadModel;
      promptCredentials(state.credential ? `These credentials were not accepted: ${error.message}` : error.message, response.headers.get('WWW-Authenticate'));
      return;
    }
    showQueryError(response, error);
    return;
  }
  clearQueryErrors();
  const rows = Array.isArray(body.value) ? body.value : [];
  state.pageIndex = index;
  state.offsets[index + 1] = state.offsets[index] + rows.length;
  state.nextLink = typeof body['@odata.nextLink'] === 'string' ? sameOriginLink(body['@odata.nextLink'], serviceRoot) : null;
  if (state.nextLink) state.pages = state.pages.slice(0, index + 1).concat(state.nextLink);
  renderRows(query, rows);
  renderPager(rows.length, body['@odata.count'], elapsed, response);
}

/** Takes away the rows of an earlier query, so that they are never read as the answer to this one. */
function clearRows() {
  $('results-table').replaceChildren();
  $('results-scroll').hidden = true;
  $('no-rows').hidden = true;
  $('page-info').textContent = '';
  $('pager').hidden = true;
  $('prev-page').disabled = true;
  $('next-page').disabled = true;
  setMessage($('page-note'), '');
  state.nextLink = null;
}

function columnsFor(query, rows) {
  const byName = new Map(query.set.properties.map(p => [p.name, p]));
  const names = [...query.selected];
  for (const row of rows.slice(0, 50)) {
    for (const name of Object.keys(row)) if (!name.includes('@') && !names.includes(name)) names.push(name);
  }
  return names.map(name => ({ name, property: byName.get(name) }));
}

function renderRows(query, rows) {
  const table = $('results-table');
  const columns = columnsFor(query, rows);
  const sortable = new Set(builder.sortableProperties().map(p => p.name));
  const head = h('tr', {},
    h('th', { scope: 'col', class: 'row-number' }, h('span', { class: 'visually-hidden' }, 'Row number'), '#'),
    columns.map(c => {
      const order = query.orderby.findIndex(o => o.name === c.name);
      const desc = order >= 0 && query.orderby[order].desc;
      const mark = order === 0 ? h('span', { class: 'sort-mark', 'aria-hidden': 'true' }, desc ? ' ▼' : ' ▲') : null;
      const label = [
        h('span', { class: 'column-name' }, h('span', {}, c.name), mark),
        h('span', { class: 'column-type' }, c.property ? describeType(c.property) : 'dynamic', c.property?.isKey ? ' · key' : ''),
      ];
      const content = sortable.has(c.name)
        ? h('button', {
          type: 'button',
          class: 'sort',
          title: order === 0 && !desc ? `Sort by ${c.name}, descending` : `Sort by ${c.name}`,
          onclick: () => sortBy(c.name, order === 0 && !desc),
        }, label)
        : label;
      return h('th', {
        scope: 'col',
        'data-column': c.name,
        class: c.property?.isKey ? 'key-column' : null,
        'aria-sort': order === 0 ? (desc ? 'descending' : 'ascending') : null,
      }, content);
    }));
  const offset = state.offsets[state.pageIndex];
  const body = h('tbody', {}, rows.map((row, i) => h('tr', {},
    h('th', { scope: 'row', class: 'row-number' }, String(offset + i + 1)),
    columns.map(c => {
      const { node, numeric } = renderValue(row[c.name], c.property);
      return h('td', { class: numeric ? 'numeric' : null }, node);
    }))));
  table.replaceChildren(h('thead', {}, head), body);
  $('no-rows').hidden = rows.length > 0;
  $('results-scroll').hidden = rows.length === 0;
  if (state.focusSortedColumn) {
    state.focusSortedColumn = false;
    table.querySelector('th[aria-sort] button.sort')?.focus();
  }
}

/** A click on a column heading: sort by that column alone (again: the other way round) and run. */
function sortBy(name, desc) {
  builder.setOrder([{ name, desc }]);
  state.focusSortedColumn = true;
  runQuery();
}

function renderPager(count, total, elapsed, response) {
  const first = state.offsets[state.pageIndex] + 1;
  const last = state.offsets[state.pageIndex] + count;
  const of = typeof total === 'number' || typeof total === 'string' ? ` of ${Number(total).toLocaleString('en-US')}` : '';
  const range = count === 0 ? `No rows${of ? ` (${of.slice(4)} in total)` : ''}` : `Rows ${first.toLocaleString('en-US')}–${last.toLocaleString('en-US')}${of}`;
  $('results-status').textContent = `${range} · page ${state.pageIndex + 1} · ${elapsed} ms${response.headers.get('X-Cache') === 'HIT' ? ' (cached)' : ''}`;
  $('page-info').textContent = `Page ${state.pageIndex + 1}`;
  $('pager').hidden = false;
  $('prev-page').disabled = state.pageIndex === 0;
  $('next-page').disabled = !state.nextLink;
  const applied = /odata\.maxpagesize=(\d+)/.exec(response.headers.get('Preference-Applied') ?? '');
  setMessage($('page-note'), applied && Number(applied[1]) < state.query.pageSize
    ? `The server sends at most ${Number(applied[1]).toLocaleString('en-US')} rows per page here.` : '');
}

$('next-page').addEventListener('click', () => {
  if (state.nextLink && !state.inFlight) loadPage(state.pageIndex + 1);
});
$('prev-page').addEventListener('click', () => {
  if (state.pageIndex > 0 && !state.inFlight) loadPage(state.pageIndex - 1);
});

$('query-form').addEventListener('submit', event => {
  event.preventDefault();
  runQuery();
});

// Enter runs the query from a select or a checkbox too (text fields submit the form by themselves).
$('query-form').addEventListener('keydown', event => {
  if (event.key !== 'Enter' || event.isComposing) return;
  const target = event.target;
  if (target.tagName === 'SELECT' || (target.tagName === 'INPUT' && target.type === 'checkbox')) {
    event.preventDefault();
    $('query-form').requestSubmit();
  }
});

$('query-form').addEventListener('input', () => {
  if (state.query && !state.formChanged) {
    state.formChanged = true;
    $('form-changed').hidden = false;
  }
});

$('reset-query').addEventListener('click', () => {
  if (!state.current) return;
  builder.reset(state.current);
  runQuery();
});

// ---- copying -------------------------------------------------------------------------------------------------

async function copy(fieldId, what) {
  const field = $(fieldId);
  let done = false;
  try {
    await navigator.clipboard.writeText(field.value);
    done = true;
  } catch {
    // Not a secure context, or no permission: copy from the selected text instead.
    field.focus();
    field.select();
    done = document.execCommand('copy');
  }
  $('copy-status').textContent = done ? `Copied the ${what}.` : `Select the ${what} and copy it with the keyboard.`;
}

$('copy-url').addEventListener('click', () => copy('request-url', 'URL'));
$('copy-curl').addEventListener('click', () => copy('request-curl', 'curl command'));

// ---- start -----------------------------------------------------------------------------------------------

$('service-root').href = serviceRoot;
$('service-root').textContent = serviceRoot;
$('metadata-link').href = serviceRoot + '$metadata';
renderAuthStatus();
loadModel();
