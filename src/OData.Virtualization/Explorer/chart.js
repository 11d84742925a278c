// An inline-SVG bar chart (no library): one horizontal bar per group, its label and value as text beside it. The bars
// are a list a keyboard walks with the arrow keys and a screen reader reads bar by bar ("CHF: 1,234.50"); the table
// next to it remains the full, accessible source of the numbers.

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 720;
const LABEL_WIDTH = 170;
const VALUE_WIDTH = 130;
const ROW = 24;
const BAR = 16;

function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== null && value !== undefined) element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) element.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return element;
}

function shorten(text, length) {
  return text.length <= length ? text : text.slice(0, length - 1) + '…';
}

/**
 * Draws bars: [{label, value (a number or null), text (the value as shown)}], with a title for the chart. Returns the
 * <svg> element.
 */
export function barChart(bars, title) {
  const numbers = bars.map(b => b.value).filter(v => typeof v === 'number' && Number.isFinite(v));
  const low = Math.min(0, ...numbers);
  const high = Math.max(0, ...numbers);
  const span = high - low || 1;
  const plot = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
  const x = value => LABEL_WIDTH + ((value - low) / span) * plot;
  const zero = x(0);
  const height = bars.length * ROW + 8;
  const items = bars.map((bar, i) => {
    const y = 4 + i * ROW;
    const has = typeof bar.value === 'number' && Number.isFinite(bar.value);
    const left = has ? Math.min(zero, x(bar.value)) : zero;
    const width = has ? Math.abs(x(bar.value) - zero) : 0;
    const spoken = `${bar.label}: ${bar.text}`;
    return svg('g', { class: 'chart-bar', role: 'listitem', tabindex: i === 0 ? '0' : '-1', 'aria-label': spoken },
      svg('title', {}, spoken),
      svg('text', { class: 'chart-label', x: LABEL_WIDTH - 8, y: y + BAR - 3, 'text-anchor': 'end' }, shorten(bar.label, 24)),
      svg('rect', { class: has && bar.value < 0 ? 'chart-rect negative' : 'chart-rect', x: left.toFixed(1), y, width: Math.max(width, has ? 1 : 0).toFixed(1), height: BAR, rx: 2 }),
      svg('text', { class: 'chart-value', x: (Math.max(zero, has ? x(bar.value) : zero) + 6).toFixed(1), y: y + BAR - 3 }, bar.text));
  });
  const list = svg('g', { role: 'list', 'aria-label': title }, items);
  const chart = svg('svg', { class: 'bar-chart', viewBox: `0 0 ${WIDTH} ${height}`, width: WIDTH, height, role: 'group', 'aria-label': title },
    svg('line', { class: 'chart-axis', x1: zero, x2: zero, y1: 0, y2: height, 'aria-hidden': 'true' }),
    list);
  // Arrow keys move between the bars; Home and End go to the first and the last.
  chart.addEventListener('keydown', event => {
    const current = event.target.closest?.('.chart-bar');
    if (!current) return;
    const all = [...chart.querySelectorAll('.chart-bar')];
    const index = all.indexOf(current);
    const next = { ArrowDown: index + 1, ArrowRight: index + 1, ArrowUp: index - 1, ArrowLeft: index - 1, Home: 0, End: all.length - 1 }[event.key];
    if (next === undefined || next < 0 || next >= all.length) return;
    event.preventDefault();
    current.setAttribute('tabindex', '-1');
    all[next].setAttribute('tabindex', '0');
    all[next].focus();
  });
  return chart;
}
