// The result rows: a table whose headings sort, and the pager's status line.

import { h, setMessage } from './dom.js';
import { describeType } from './odata.js';
import { renderValue } from './values.js';

const $ = id => document.getElementById(id);

function columnsFor(query, rows) {
  const byName = new Map(query.set.properties.map(p => [p.name, p]));
  const names = [...query.selected];
  for (const row of rows.slice(0, 50)) {
    for (const name of Object.keys(row)) if (!name.includes('@') && !names.includes(name)) names.push(name);
  }
  return names.map(name => ({ name, property: byName.get(name) }));
}

export function renderRows(query, rows, { sortable, offset, onSort, focusSorted, linksOf, actionsOf }) {
  const table = $('results-table');
  const columns = columnsFor(query, rows);
  // Links to follow each row's relationships, in a column of their own after the row number.
  const links = linksOf ? rows.map(linksOf) : [];
  const related = links.some(Boolean);
  // Edit and Delete, where the caller may write the set (editor.js).
  const actions = actionsOf ? rows.map(actionsOf) : [];
  const editable = actions.some(Boolean);
  const head = h('tr', {},
    h('th', { scope: 'col', class: 'row-number' }, h('span', { class: 'visually-hidden' }, 'Row number'), '#'),
    related ? h('th', { scope: 'col', class: 'related' }, 'Related') : null,
    editable ? h('th', { scope: 'col', class: 'row-actions' }, 'Actions') : null,
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
          onclick: () => onSort(c.name, order === 0 && !desc),
        }, label)
        : label;
      return h('th', {
        scope: 'col',
        'data-column': c.name,
        class: c.property?.isKey ? 'key-column' : null,
        'aria-sort': order === 0 ? (desc ? 'descending' : 'ascending') : null,
      }, content);
    }));
  const body = h('tbody', {}, rows.map((row, i) => h('tr', {},
    h('th', { scope: 'row', class: 'row-number' }, String(offset + i + 1)),
    related ? h('td', { class: 'related' }, links[i]) : null,
    editable ? h('td', { class: 'row-actions' }, actions[i]) : null,
    columns.map(c => {
      const { node, numeric } = renderValue(row[c.name], c.property);
      return h('td', { class: numeric ? 'numeric' : null }, node);
    }))));
  table.replaceChildren(h('thead', {}, head), body);
  $('no-rows').hidden = rows.length > 0;
  $('results-scroll').hidden = rows.length === 0;
  if (focusSorted) table.querySelector('th[aria-sort] button.sort')?.focus();
}


export function renderPager(count, total, elapsed, response, { offset, pageIndex, hasNext, pageSize }) {
  const first = offset + 1;
  const last = offset + count;
  const of = typeof total === 'number' || typeof total === 'string' ? ` of ${Number(total).toLocaleString('en-US')}` : '';
  const range = count === 0 ? `No rows${of ? ` (${of.slice(4)} in total)` : ''}` : `Rows ${first.toLocaleString('en-US')}–${last.toLocaleString('en-US')}${of}`;
  $('results-status').textContent = `${range} · page ${pageIndex + 1} · ${elapsed} ms${response.headers.get('X-Cache') === 'HIT' ? ' (cached)' : ''}`;
  $('page-info').textContent = `Page ${pageIndex + 1}`;
  $('pager').hidden = false;
  $('prev-page').disabled = pageIndex === 0;
  $('next-page').disabled = !hasNext;
  const applied = /odata\.maxpagesize=(\d+)/.exec(response.headers.get('Preference-Applied') ?? '');
  setMessage($('page-note'), applied && Number(applied[1]) < pageSize
    ? `The server sends at most ${Number(applied[1]).toLocaleString('en-US')} rows per page here.` : '');
}
