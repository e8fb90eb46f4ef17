// Charts with uPlot, served from its webjar in the Sluice jar; loaded only by the pages that draw one.
import { fill, h, num, table } from './ui.js';

const UPLOT = '/webjars/uplot/1.6.30/dist/';
const COLORS = ['#1f77b4', '#d95f02', '#1b9e77', '#7570b3', '#e7298a', '#66a61e', '#a6761d', '#666666'];
let loading = null;
// Usage is counted in UTC days: label them as such, whatever the browser's time zone.
const tick = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
const utcDay = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });
const day = (ms) => utcDay.format(new Date(ms));

function uPlot() {
  if (!loading) {
    document.head.append(h('link', { rel: 'stylesheet', href: `${UPLOT}uPlot.min.css` }));
    loading = import(`${UPLOT}uPlot.esm.js`).then((m) => m.default);
  }
  return loading;
}

/** Midnight UTC of each of the last `days` days, oldest first, in epoch seconds. */
export function dayStarts(days, now = Date.now()) {
  const today = Math.floor(now / 86400000) * 86400;
  return Array.from({ length: days }, (_, i) => today - (days - 1 - i) * 86400);
}

/**
 * Draws one line per group (model, user…) of `field` per day into el, with the same figures as a table
 * for screen readers and keyboards. rows: the /api/usage data (start, <groupBy>, <field>).
 * Returns a clean-up function.
 */
export async function dailyChart(el, rows, { groupBy, field = 'totalTokens', days, label = 'Tokens' }) {
  const xs = dayStarts(days);
  const index = new Map(xs.map((x, i) => [x, i]));
  const groups = [...new Set(rows.map((r) => r[groupBy]))].sort();
  const series = groups.map(() => xs.map(() => 0));
  for (const r of rows) {
    const i = index.get(Math.floor(Date.parse(r.start) / 1000));
    if (i !== undefined) series[groups.indexOf(r[groupBy])][i] += r[field];
  }
  const summary = h('details', {},
    h('summary', {}, `${label} per day as a table`),
    table([{ label: 'Day', cell: (r) => day(r.x * 1000) },
      ...groups.map((g, gi) => ({ label: g, num: true, cell: (r) => num(series[gi][r.i]) }))],
    xs.map((x, i) => ({ x, i })).reverse(), { caption: `${label} per day` }));
  if (!groups.length) {
    fill(el, h('p', { class: 'muted' }, `No ${label.toLowerCase()} in these ${days} days.`));
    return () => {};
  }
  const plotBox = h('div', { class: 'chart', role: 'img',
    'aria-label': `${label} per day for the last ${days} days, by ${groupBy}: ${groups.join(', ')}` });
  fill(el, plotBox, summary);
  const Plot = await uPlot();
  const styles = getComputedStyle(document.documentElement);
  const text = styles.getPropertyValue('--text').trim() || '#222';
  const line = styles.getPropertyValue('--line').trim() || '#ddd';
  const axis = { stroke: text, grid: { stroke: line, width: 1 }, ticks: { stroke: line } };
  const width = () => Math.max(280, plotBox.clientWidth || el.clientWidth || 600);
  const plot = new Plot({
    width: width(), height: 280,
    legend: { live: false },
    scales: { x: { time: true }, y: { range: (u, min, max) => [0, max > 0 ? max * 1.1 : 1] } },
    axes: [{ ...axis, incrs: [86400, 7 * 86400], values: (u, vals) => vals.map((v) => tick.format(new Date(v * 1000))) },
      { ...axis, size: 70, values: (u, vals) => vals.map((v) => num(v)) }],
    series: [{ value: (u, v) => (v == null ? '–' : day(v * 1000)) },
      ...groups.map((g, i) => ({
        label: g, stroke: COLORS[i % COLORS.length], width: 2, points: { show: true, size: 6 },
        value: (u, v) => (v == null ? '–' : num(v)),
      }))],
  }, [xs, ...series], plotBox);
  const resize = new ResizeObserver(() => plot.setSize({ width: width(), height: 280 }));
  resize.observe(el);
  return () => {
    resize.disconnect();
    plot.destroy();
  };
}
