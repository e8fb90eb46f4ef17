// Usage: tokens per day per model, requests and errors, what each plan's windows leave, the latest requests.
import { api, query } from '../api.js';
import { dailyChart, dayStarts } from '../chart.js';
import { errorBox, fill, h, moment, money, num, table, when } from '../ui.js';

const LIMIT_NAMES = {
  tokens_per_minute: 'Tokens per minute', tokens_per_hour: 'Tokens per hour', tokens_per_day: 'Tokens per day',
  tokens_per_month: 'Tokens per month', requests_per_minute: 'Requests per minute', max_concurrent: 'Concurrent requests',
  cost_per_day: 'Spend per day', cost_per_month: 'Spend per month',
};

export async function render(main, { params, go, alive }) {
  const days = params.get('days') === '30' ? 30 : 7;
  const cleanups = [];
  const chartBox = h('div', { id: 'usage-chart' });
  const stats = h('div', { class: 'stats', id: 'usage-stats' });
  const quotaBox = h('div', { id: 'quota' });
  const recentBox = h('div', { id: 'recent' });
  const period = h('div', { class: 'segmented', role: 'group', 'aria-label': 'Period' },
    [7, 30].map((d) => h('button', {
      type: 'button', class: 'small', 'aria-pressed': String(d === days),
      onclick: () => go(`/console/usage?days=${d}`, { replace: true }),
    }, `${d} days`)));
  const refresh = h('button', { type: 'button', class: 'secondary small', id: 'refresh-usage',
    onclick: () => go(`/console/usage?days=${days}`, { replace: true }) }, 'Refresh');
  fill(main,
    h('h1', {}, 'Usage'),
    h('div', { class: 'actions' }, period, refresh),
    h('section', { class: 'panel', 'aria-labelledby': 'quota-title' },
      h('h2', { id: 'quota-title' }, 'Remaining quota'), quotaBox),
    h('section', { class: 'panel', 'aria-labelledby': 'tokens-title' },
      h('h2', { id: 'tokens-title' }, `Tokens per day, last ${days} days`), stats, chartBox),
    h('section', { class: 'panel', 'aria-labelledby': 'recent-title' },
      h('h2', { id: 'recent-title' }, 'Recent requests'), recentBox));
  const from = new Date(dayStarts(days)[0] * 1000).toISOString();
  await Promise.all([
    api('GET', `/api/usage${query({ from, granularity: 'day', groupBy: 'model' })}`).then(async (u) => {
      if (!alive()) return;
      renderStats(stats, u.data, u.currency);
      cleanups.push(await dailyChart(chartBox, u.data, { groupBy: 'model', days }));
    }, (e) => fill(chartBox, errorBox(e))),
    api('GET', '/api/quota').then((q) => fill(quotaBox, quota(q.data), budgets(q.budgets || [])),
      (e) => fill(quotaBox, errorBox(e))),
    api('GET', '/api/usage/requests?limit=50').then((r) => fill(recentBox, recent(r.requests)),
      (e) => fill(recentBox, errorBox(e))),
  ]);
  return () => cleanups.forEach((c) => c());
}

function renderStats(el, rows, currency) {
  const sum = (f) => rows.reduce((a, r) => a + (r[f] || 0), 0);
  const stat = (id, label, value) => h('div', { class: 'stat', id },
    h('div', { class: 'muted' }, label), h('div', { class: 'value' }, value));
  const priced = rows.some((r) => r.cost !== null && r.cost !== undefined);
  fill(el, stat('stat-requests', 'Requests', num(sum('requests'))), stat('stat-errors', 'Errors', num(sum('errors'))),
    stat('stat-tokens', 'Tokens', num(sum('totalTokens'))),
    priced && currency ? stat('stat-cost', 'Spend', money(sum('cost'), currency)) : null);
}

/** Budgets beside the plans (a group's shared one, a key's own): a bar per window, as for the plans. */
function budgets(rows) {
  if (!rows.length) return null;
  return h('div', { class: 'quota-grid' }, rows.map((b) => h('div', { class: 'quota-model', dataset: { budget: b.budget } },
    h('h3', {}, h('span', { class: 'muted' }, 'budget '), b.budget),
    b.limits.map((w) => bar(b.budget, w)))));
}

/** One block per model the caller may use: its plan, and a bar per window showing what is used. */
export function quota(rows) {
  if (!rows.length) {
    return h('p', { class: 'muted' }, 'No model is open to you, so no quota applies.');
  }
  return h('div', { class: 'quota-grid' }, rows.map((r) => h('div', { class: 'quota-model', dataset: { model: r.model } },
    h('h3', {}, r.model, r.plan ? h('span', { class: 'muted' }, ` · plan ${r.plan}`) : null),
    r.unlimited || !r.limits?.length
      ? h('p', { class: 'muted' }, 'No plan limits this model for you.')
      : r.limits.map((w) => bar(r.model, w)))));
}

function bar(model, w) {
  const used = w.used + (w.reserved || 0);
  const share = w.max > 0 ? Math.min(1, used / w.max) : 1;
  const name = LIMIT_NAMES[w.limit] || w.limit;
  const amount = (n) => (w.currency ? money(n, w.currency) : num(n));
  const fillBar = h('span');
  fillBar.style.width = `${(share * 100).toFixed(2)}%`; // CSSOM, which the page's CSP allows (style attributes it does not)
  return h('div', { class: 'quota-row', dataset: { limit: w.limit } },
    h('div', { class: 'quota-label' },
      h('span', {}, name),
      h('span', { class: 'remaining' }, `${amount(w.remaining)} of ${amount(w.max)} left`)),
    h('div', {
      class: `meter${share >= 1 ? ' full' : share >= 0.8 ? ' high' : ''}`, role: 'meter',
      'aria-label': `${model}: ${name}`, 'aria-valuemin': '0', 'aria-valuemax': String(w.max),
      'aria-valuenow': String(used), 'aria-valuetext': `${amount(used)} used, ${amount(w.remaining)} left`,
    }, fillBar),
    w.resetsAt ? h('p', { class: 'hint' }, `Resets ${when(w.resetsAt)}`) : null);
}

function recent(requests) {
  return table([
    { label: 'Time', cell: (r) => moment(r.time) },
    { label: 'Model', cell: (r) => r.model },
    { label: 'Key', cell: (r) => (r.keyPrefix ? h('code', {}, r.keyPrefix) : '–') },
    { label: 'Status', cell: (r) => String(r.status) },
    { label: 'Tokens in / out', num: true, cell: (r) => `${num(r.promptTokens)} / ${num(r.completionTokens)}` },
    { label: 'Duration', num: true, cell: (r) => `${num(r.durationMs)} ms` },
  ], requests, { caption: 'Recent requests', empty: 'No requests yet.' });
}
