// Errors of a query: the server's OData error shown next to the part of the form it is about, and a pointer to it
// above the results.

import { h, setMessage } from './dom.js';
import { explainStatus } from './session.js';

const $ = id => document.getElementById(id);

export const errorSlots = {
  $filter: 'filter-error',
  $search: 'search-error',
  $orderby: 'orderby-error',
  $select: 'select-error',
  $expand: 'select-error',
  $top: 'page-error',
  $skip: 'page-error',
};
export const sectionNames = { 'filter-error': 'Filter', 'search-error': 'Search', 'orderby-error': 'Sort', 'select-error': 'Columns', 'page-error': 'Rows per page' };

export function clearQueryErrors(builder) {
  for (const id of Object.keys(sectionNames)) setMessage($(id), '');
  for (const box of document.querySelectorAll('.has-error')) box.classList.remove('has-error');
  $('filter-expression').removeAttribute('aria-invalid');
  $('search').removeAttribute('aria-invalid');
  builder.clearErrors();
  $('results-error').replaceChildren();
  $('results-error').hidden = true;
}

export function showResultsError(...content) {
  $('results-error').replaceChildren(...content);
  $('results-error').hidden = false;
}

/** Shows an OData error next to the part of the query it is about, and a pointer to it above the results. */
export function showQueryError(response, error, builder, set) {
  const status = response ? `${response.status} ${error.code}` : error.code;
  let target = error.target;
  if (target && !errorSlots[target] && set?.properties.some(p => p.name === target)) target = builder.sectionUsing(target);
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

export function focusSection(slotId) {
  const focusable = {
    'filter-error': () => $('filter-expression').value.trim() ? $('filter-expression') : ($('filter-rows').querySelector('input, select') ?? $('filter-expression')),
    'search-error': () => $('search'),
    'orderby-error': () => $('order-rows').querySelector('select') ?? $('add-order'),
    'select-error': () => $('select-summary'),
    'page-error': () => $('page-size'),
  }[slotId]();
  focusable.focus();
}
