// "Group and total": builds $apply=groupby((column),aggregate(...)) for the open entity set, over the rows the query
// above filters, and shows the groups as a table (the accessible source of the numbers) and as a bar chart.

import { barChart } from './chart.js';
import { h, setMessage } from './dom.js';
import { describeType, encodeQueryValue } from './odata.js';
import { explainStatus, queryHeaders, send } from './session.js';
import { renderValue } from './values.js';

const $ = id => document.getElementById(id);
const NUMERIC = new Set(['Edm.Byte', 'Edm.SByte', 'Edm.Int16', 'Edm.Int32', 'Edm.Int64', 'Edm.Decimal', 'Edm.Double', 'Edm.Single']);
const ORDERED = new Set([...NUMERIC, 'Edm.String', 'Edm.Date', 'Edm.DateTimeOffset', 'Edm.TimeOfDay']);
const MAX_GROUPS = 50;
const ALIAS = 'total';
const METHODS = [
  { value: 'count', label: 'Number of rows', accepts: () => true },
  { value: 'sum', label: 'Sum', accepts: p => NUMERIC.has(p.type) },
  { value: 'average', label: 'Average', accepts: p => NUMERIC.has(p.type) },
  { value: 'min', label: 'Minimum', accepts: p => ORDERED.has(p.type) && !p.enumMembers },
  { value: 'max', label: 'Maximum', accepts: p => ORDERED.has(p.type) && !p.enumMembers },
  { value: 'countdistinct', label: 'Number of distinct values', accepts: () => true },
];

/** The $apply text: groupby((column),aggregate(measure with method as total)), after filter(...) when there is one. */
export function applyText(group, method, measure, filter) {
  const aggregate = method === 'count' ? `$count as ${ALIAS}` : `${measure} with ${method} as ${ALIAS}`;
  return (filter ? `filter(${filter})/` : '') + `groupby((${group}),aggregate(${aggregate}))`;
}

export class TotalsPanel {
  /** filterOf: the $filter of the query above for a set (its rows are the ones totalled). */
  constructor(serviceRoot, filterOf) {
    this.serviceRoot = serviceRoot;
    this.filterOf = filterOf;
    this.set = null;
    $('totals-method').replaceChildren(...METHODS.map(m => h('option', { value: m.value }, m.label)));
    $('totals-method').addEventListener('change', () => this.renderMeasures());
    $('totals-form').addEventListener('submit', event => {
      event.preventDefault();
      this.run();
    });
  }

  reset(set) {
    this.set = set;
    const groupable = set.properties.filter(p => !p.collection && p.type !== 'Edm.Binary' && p.type !== 'Edm.Stream');
    $('totals-group').replaceChildren(...groupable.map(p => h('option', { value: p.name }, `${p.name} (${describeType(p)})`)));
    $('totals-method').value = 'count';
    this.renderMeasures();
    this.clear();
    setMessage($('totals-url'), '');
  }

  renderMeasures() {
    const method = METHODS.find(m => m.value === $('totals-method').value);
    const measures = (this.set?.properties ?? []).filter(p => !p.collection && method.accepts(p));
    const previous = $('totals-measure').value;
    $('totals-measure').replaceChildren(...measures.map(p => h('option', { value: p.name }, p.name)));
    if (measures.some(p => p.name === previous)) $('totals-measure').value = previous;
    $('totals-measure-field').hidden = method.value === 'count';
  }

  clear() {
    $('totals-output').hidden = true;
    $('totals-table').replaceChildren();
    $('totals-chart-body').replaceChildren();
    setMessage($('totals-error'), '');
    $('totals-status').textContent = '';
  }

  async run() {
    const set = this.set;
    if (!set) return;
    const group = $('totals-group').value;
    const method = $('totals-method').value;
    const measure = $('totals-measure').value;
    if (method !== 'count' && !measure) {
      setMessage($('totals-error'), 'Choose the column to total.');
      return;
    }
    const apply = applyText(group, method, measure, this.filterOf(set));
    const url = `${this.serviceRoot}${set.url}?$apply=${encodeQueryValue(apply)}&$orderby=${encodeQueryValue(`${ALIAS} desc`)}&$top=${MAX_GROUPS}&$count=true`;
    $('totals-url').textContent = url;
    $('totals-url').hidden = false;
    this.clear();
    $('totals-status').textContent = 'Grouping…';
    const { response, body, error } = await send(url, queryHeaders(MAX_GROUPS));
    if (this.set !== set) return;
    if (error) {
      $('totals-status').textContent = '';
      setMessage($('totals-error'), `The server says: ${explainStatus(response, error)}`);
      return;
    }
    const rows = Array.isArray(body.value) ? body.value : [];
    const count = Number(body['@odata.count'] ?? rows.length);
    const methodLabel = METHODS.find(m => m.value === method).label;
    const what = method === 'count' ? methodLabel : `${methodLabel} of ${measure}`;
    $('totals-status').textContent = count > rows.length
      ? `${count.toLocaleString('en-US')} groups; the ${rows.length} largest are shown.`
      : `${count.toLocaleString('en-US')} ${count === 1 ? 'group' : 'groups'}.`;
    this.render(set, rows, group, what);
  }

  render(set, rows, group, what) {
    const property = set.properties.find(p => p.name === group);
    const label = value => (value === null || value === undefined ? 'NULL' : String(value));
    $('totals-table').replaceChildren(
      h('caption', {}, `${what} by ${group}`),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, group), h('th', { scope: 'col' }, what))),
      h('tbody', {}, rows.map(row => {
        const { node } = renderValue(row[group], property);
        const total = renderValue(row[ALIAS], { type: typeof row[ALIAS] === 'string' ? 'Edm.Decimal' : 'Edm.Double' });
        return h('tr', {}, h('th', { scope: 'row' }, node), h('td', { class: 'numeric' }, total.node));
      })));
    const bars = rows.map(row => ({
      label: label(row[group]),
      value: row[ALIAS] === null || row[ALIAS] === undefined ? null : Number(row[ALIAS]),
      text: row[ALIAS] === null || row[ALIAS] === undefined ? 'NULL' : Number(row[ALIAS]).toLocaleString('en-US', { maximumFractionDigits: 6 }),
    }));
    $('totals-caption').textContent = `Bar chart: ${what} by ${group} (the table holds the same numbers).`;
    $('totals-chart-body').replaceChildren(barChart(bars, `${what} by ${group}`));
    $('totals-output').hidden = rows.length === 0;
    if (rows.length === 0) $('totals-status').textContent = 'No rows to group.';
  }
}
