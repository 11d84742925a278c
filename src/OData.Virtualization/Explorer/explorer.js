// The explorer page: reads the model from the OData service (service document, CSDL JSON), lists the entity
// sets by source, builds a query, and shows the rows page by page through @odata.nextLink.

import { copyField, h, setMessage } from './dom.js';
import { RowEditor } from './editor.js';
import { QueryBuilder } from './builder.js';
import { clearQueryErrors, showQueryError, showResultsError } from './errors.js';
import { curlCommand, curlVariables, describeType, parseCsdl, queryString } from './odata.js';
import { parseFollowHash, renderTrail, resolveFollow, rowLinks } from './navigate.js';
import { renderPager, renderRows } from './results.js';
import { TotalsPanel } from './totals.js';
import {
  challenged, explainStatus, onCredentialsChanged, promptCredentials, queryHeaders, renderAuthStatus, retryAfterSignIn,
  sameOriginLink, send, session,
} from './session.js';

const $ = id => document.getElementById(id);
const serviceRoot = new URL('odata/', document.baseURI).href;

const state = {
  sets: new Map(),
  current: null,
  follow: null, // the relationship followed from a row: {from, nav, target, path, …}, or null for a whole set
  restoring: null, // the query and page of a view returned to with Back, until it has run again
  query: null, // {url, selected, pageSize}
  pages: [], // URLs of the pages visited, first page first
  offsets: [0], // row number before each page
  pageIndex: 0,
  nextLink: null,
  inFlight: null,
  formChanged: false,
  focusSortedColumn: false,
};

// Totals over the rows the query above selects: its filter, once it has run for this set.
const totals = new TotalsPanel(serviceRoot, set => (state.query?.set === set ? state.query.filter : ''));

// New rows, edits and deletes where the caller may write; after one, the page shown is read again.
const editor = new RowEditor(serviceRoot, () => (state.query ? loadPage(state.pageIndex) : Promise.resolve()));

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
      promptCredentials(session.credential ? `These credentials were not accepted: ${service.error.message}` : service.error.message,
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

  session.signIn = Array.isArray(sources.body?.signIn) ? sources.body.signIn : [];
  if (typeof sources.body?.apiKeyHeader === 'string') session.apiKeyHeader = sources.body.apiKeyHeader;
  const model = parseCsdl(metadata.body);
  const sourceOf = new Map();
  for (const source of sources.body?.sources ?? []) {
    for (const set of source.entitySets ?? []) sourceOf.set(set.name, { source: source.name, kind: set.kind, readOnly: set.readOnly ?? [], defaulted: set.defaulted ?? [] });
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
      h('a', { href: '#/' + encodeURIComponent(set.name), 'aria-current': !state.follow && state.current?.name === set.name ? 'page' : null },
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
  const parsed = parseFollowHash(location.hash);
  const follow = parsed ? resolveFollow(state.sets, parsed) : null;
  if (follow && !follow.error) {
    openSet(follow.target, moveFocus, follow);
    return;
  }
  let name;
  try {
    name = decodeURIComponent(location.hash.replace(/^#\/?/, ''));
  } catch {
    name = location.hash.replace(/^#\/?/, ''); // not valid percent-encoding: take it as it is
  }
  const set = state.sets.get(name);
  if (!set) {
    state.current = null;
    state.follow = null;
    if (follow?.error) name = '';
    $('set-view').hidden = true;
    $('welcome').hidden = false;
    setMessage($('welcome-message'), follow?.error ?? (name ? `There is no entity set '${name}' you can read.` : ''));
    renderSetList();
    return;
  }
  openSet(set, moveFocus);
}

window.addEventListener('hashchange', () => route(true));

function openSet(set, moveFocus, follow = null) {
  state.current = set;
  state.follow = follow;
  renderTrail($('trail'), follow);
  // One related row has no query to build, page or total; related rows (many) take every query option.
  const single = follow !== null && !follow.nav.collection;
  for (const part of $('query-form').querySelectorAll('.query-grid, .run-row')) part.hidden = single;
  $('totals').hidden = follow !== null;
  $('welcome').hidden = true;
  $('set-view').hidden = false;
  $('set-title').textContent = follow ? `${follow.from.name} → ${follow.nav.name}` : set.name;
  const facts = [];
  if (set.source) facts.push(`${set.kind === 'view' ? 'View' : 'Table'} in source ${set.source}`);
  facts.push(set.key.length === 0 ? 'no key' : `key ${set.key.join(', ')}`);
  facts.push(`${set.properties.length} columns`);
  $('set-facts').textContent = facts.join(' · ');
  renderColumns(set);
  editor.show(set, follow === null);
  builder.reset(set);
  // Back to a view left by following a row: its query and page again (kept in that history entry, see below).
  state.restoring = history.state?.explorer ?? null;
  if (state.restoring) {
    builder.restore(state.restoring.query);
    $('page-size').value = String(state.restoring.pageSize);
  }
  totals.reset(set);
  renderSetList();
  document.title = `${$('set-title').textContent} · OData Virtualization Explorer`;
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

function runQuery() {
  const set = state.current;
  if (!set) return;
  clearQueryErrors(builder);
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
  const single = state.follow !== null && !state.follow.nav.collection;
  const url = serviceRoot + (state.follow ? state.follow.path : set.url) + (single ? '' : '?' + queryString(built.query));
  state.query = { url, built: built.query, selected: built.selected, orderby: built.query.orderby, filter: built.query.filter, pageSize, set, single };
  const saved = state.restoring;
  state.restoring = null;
  const again = saved?.pages[0] === url;
  state.pages = again ? saved.pages : [url];
  state.offsets = again ? saved.offsets : [0];
  state.formChanged = false;
  $('form-changed').hidden = true;
  renderRequest();
  loadPage(again ? saved.pageIndex : 0);
}

function renderRequest() {
  const { url, pageSize } = state.query;
  $('request-url').value = url;
  const curl = curlCommand(url, queryHeaders(pageSize), session.credential);
  $('request-curl').value = curl;
  const variables = curlVariables(session.credential);
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
  if (error && !(query.single && response?.status === 204)) {
    $('results-status').textContent = '';
    clearRows();
    if (response?.status === 401) {
      challenged(response);
      showResultsError(h('p', {}, 'This query needs credentials. ',
        h('button', { type: 'button', class: 'link', onclick: () => promptCredentials(error.message, response.headers.get('WWW-Authenticate')) }, 'Give credentials')));
      retryAfterSignIn(loadModel);
      promptCredentials(session.credential ? `These credentials were not accepted: ${error.message}` : error.message, response.headers.get('WWW-Authenticate'));
      return;
    }
    showQueryError(response, error, builder, state.current);
    return;
  }
  clearQueryErrors(builder);
  // A single related row is the body itself; none (204 No Content) is no row.
  const rows = query.single ? (body ? [body] : []) : Array.isArray(body.value) ? body.value : [];
  state.pageIndex = index;
  state.offsets[index + 1] = state.offsets[index] + rows.length;
  state.nextLink = typeof body?.['@odata.nextLink'] === 'string' ? sameOriginLink(body['@odata.nextLink'], serviceRoot) : null;
  if (state.nextLink) state.pages = state.pages.slice(0, index + 1).concat(state.nextLink);
  renderRows(query, rows, {
    sortable: new Set(query.single ? [] : builder.sortableProperties().map(p => p.name)),
    offset: state.offsets[index],
    onSort: sortBy,
    focusSorted: state.focusSortedColumn,
    linksOf: row => rowLinks(query.set, row, state.sets),
    actionsOf: row => editor.rowActions(query.set, row),
  });
  state.focusSortedColumn = false;
  renderPager(rows.length, query.single ? rows.length : body['@odata.count'], elapsed, response, { offset: state.offsets[index], pageIndex: index, hasNext: Boolean(state.nextLink), pageSize: query.pageSize });
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

/** A click on a column heading: sort by that column alone (again: the other way round) and run. */
function sortBy(name, desc) {
  builder.setOrder([{ name, desc }]);
  state.focusSortedColumn = true;
  runQuery();
}

// Following a row's link: this history entry keeps the query and page, so that Back shows them again.
$('results-table').addEventListener('click', event => {
  if (!event.target.closest('.follow-links a') || !state.query) return;
  const { built, pageSize } = state.query;
  const explorer = { query: built, pageSize, pageIndex: state.pageIndex, pages: state.pages.slice(0, state.pageIndex + 1), offsets: state.offsets.slice(0, state.pageIndex + 1) };
  history.replaceState({ ...history.state, explorer }, '');
});

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

$('copy-url').addEventListener('click', () => copyField($('request-url'), $('copy-status'), 'URL'));
$('copy-curl').addEventListener('click', () => copyField($('request-curl'), $('copy-status'), 'curl command'));

// ---- start -----------------------------------------------------------------------------------------------

$('service-root').href = serviceRoot;
$('service-root').textContent = serviceRoot;
$('metadata-link').href = serviceRoot + '$metadata';
renderAuthStatus();
onCredentialsChanged(loadModel);
loadModel();
