// Administration: everyone's keys (filter, revoke), usage by user and by model, models with live endpoint
// health, and the plans in force. The API refuses non-admins (403 admin_only); the page says so.
import { api, query } from '../api.js';
import { dailyChart, dayStarts } from '../chart.js';
import { badge, day, errorBox, fill, h, num, table, when } from '../ui.js';
import { revokeButton } from './keys.js';

const HEALTH_EVERY_MS = 5000;
const STATUSES = ['', 'active', 'suspended', 'revoked', 'expired'];

export async function render(main, { params, go, alive }) {
  const filter = { owner: params.get('owner') || '', model: params.get('model') || '', status: params.get('status') || '' };
  // Usage is asked for at once, beside the rest, so the page waits for the slowest answer, not for their sum.
  const from = new Date(dayStarts(7)[0] * 1000).toISOString();
  const usage = ['user', 'model'].map((groupBy) =>
    api('GET', `/api/admin/usage${query({ from, granularity: 'day', groupBy })}`).then((u) => ({ groupBy, u }),
      (e) => ({ groupBy, e })));
  let keys;
  let models;
  let plans;
  try {
    [keys, models, plans] = await Promise.all([
      api('GET', `/api/admin/keys${query(filter)}`), api('GET', '/api/admin/models'), api('GET', '/api/admin/plans')]);
  } catch (e) {
    fill(main, h('h1', {}, 'Administration'),
      e.status === 403 ? h('p', { class: 'notice error', role: 'alert', id: 'forbidden' },
        `This page is for administrators. ${e.message}`) : errorBox(e));
    return;
  }
  const cleanups = [];
  const keyBox = h('div', { id: 'admin-keys' });
  const healthBox = h('div', { id: 'admin-models' });
  const byUser = h('div', { id: 'usage-by-user' });
  const byModel = h('div', { id: 'usage-by-model' });
  const reloadKeys = async () => {
    try {
      const fresh = await api('GET', `/api/admin/keys${query(filter)}`);
      if (alive()) fill(keyBox, keyTable(fresh.keys, reloadKeys));
    } catch (e) {
      if (alive()) fill(keyBox, errorBox(e));
    }
  };
  fill(keyBox, keyTable(keys.keys, reloadKeys));
  fill(healthBox, modelList(models.models));
  const modelNames = models.models.map((m) => m.id);
  fill(main,
    h('h1', {}, 'Administration'),
    h('section', { class: 'panel', 'aria-labelledby': 'keys-title' },
      h('h2', { id: 'keys-title' }, 'All keys'),
      filters(filter, modelNames, go), keyBox),
    h('div', { class: 'grid' },
      h('section', { class: 'panel', 'aria-labelledby': 'by-user-title' },
        h('h2', { id: 'by-user-title' }, 'Tokens by user, last 7 days'), byUser),
      h('section', { class: 'panel', 'aria-labelledby': 'by-model-title' },
        h('h2', { id: 'by-model-title' }, 'Tokens by model, last 7 days'), byModel)),
    h('section', { class: 'panel', 'aria-labelledby': 'models-title' },
      h('h2', { id: 'models-title' }, 'Models and endpoint health'),
      h('p', { class: 'hint' }, `Refreshed every ${HEALTH_EVERY_MS / 1000} s while this page is open.`), healthBox),
    h('section', { class: 'panel', 'aria-labelledby': 'plans-title' },
      h('h2', { id: 'plans-title' }, 'Plans in force'), planTable(plans.plans)));
  await Promise.all(usage.map((p) => p.then(async ({ groupBy, u, e }) => {
    const box = groupBy === 'user' ? byUser : byModel;
    if (e) {
      fill(box, errorBox(e));
    } else if (alive()) {
      cleanups.push(await dailyChart(box, u.data, { groupBy, days: 7 }));
    }
  })));
  const timer = setInterval(async () => {
    if (document.hidden) return;
    try {
      const fresh = await api('GET', '/api/admin/models');
      if (alive()) fill(healthBox, modelList(fresh.models));
    } catch (e) {
      // a missed refresh shows the last known health; the next one tries again
    }
  }, HEALTH_EVERY_MS);
  cleanups.push(() => clearInterval(timer));
  return () => cleanups.forEach((c) => c());
}

function filters(filter, modelNames, go) {
  const owner = h('input', { type: 'search', id: 'filter-owner', name: 'owner', value: filter.owner,
    placeholder: 'local:alice' });
  const model = h('select', { id: 'filter-model', name: 'model' },
    h('option', { value: '' }, 'Any model'),
    modelNames.map((m) => h('option', { value: m, selected: m === filter.model }, m)));
  const status = h('select', { id: 'filter-status', name: 'status' },
    STATUSES.map((s) => h('option', { value: s, selected: s === filter.status }, s || 'Any status')));
  return h('form', {
    class: 'filters', id: 'key-filters', role: 'search',
    onsubmit: (e) => {
      e.preventDefault();
      go(`/console/admin${query({ owner: owner.value.trim(), model: model.value, status: status.value })}`,
        { replace: true });
    },
  },
  h('div', {}, h('label', { for: 'filter-owner' }, 'User (subject)'), owner),
  h('div', {}, h('label', { for: 'filter-model' }, 'Model'), model),
  h('div', {}, h('label', { for: 'filter-status' }, 'Status'), status),
  h('div', {}, h('button', { type: 'submit', id: 'apply-filters' }, 'Filter')));
}

function keyTable(keys, refresh) {
  return table([
    { label: 'Owner', cell: (k) => k.owner },
    { label: 'Name', cell: (k) => k.name },
    { label: 'Prefix', cell: (k) => h('code', {}, k.prefix) },
    { label: 'Models', cell: (k) => (k.models.length ? k.models.join(', ') : 'all theirs') },
    { label: 'Created', cell: (k) => day(k.createdAt) },
    { label: 'Expires', cell: (k) => day(k.expiresAt) },
    { label: 'Last used', cell: (k) => (k.lastUsedAt ? when(k.lastUsedAt) : 'never') },
    { label: 'Status', cell: (k) => badge(k.status) },
    { label: 'Actions', cell: (k) => revokeButton(k, `/api/admin/keys/${encodeURIComponent(k.id)}`, refresh) },
  ], keys, { caption: 'Keys matching the filter', empty: 'No key matches.' });
}

const text = (v) => (v === null || v === undefined || v === '' ? '–'
  : Array.isArray(v) ? (v.length ? v.map(text).join(', ') : '–')
    : typeof v === 'object' ? Object.entries(v).map(([k, x]) => `${k}: ${text(x)}`).join('; ') : String(v));

function access(a) {
  if (!a) return '–';
  if (a.public) return 'everyone signed in';
  const parts = [];
  if (a.groups?.length) parts.push(`groups ${a.groups.join(', ')}`);
  if (a.users?.length) parts.push(`users ${a.users.join(', ')}`);
  return parts.length ? parts.join('; ') : 'nobody (deny by default)';
}

function load(l) {
  if (!l) return '–';
  return `running ${num(l.running)} · waiting ${num(l.waiting)} · KV cache ${Math.round((l.kvUsage || 0) * 100)}%`;
}

function modelList(models) {
  if (!models.length) {
    return h('p', { class: 'muted' }, 'No model is configured.');
  }
  return models.map((m) => h('div', { class: 'admin-model', dataset: { model: m.id } },
    h('div', { class: 'model-head' },
      h('h3', {}, m.id, m.tier ? h('span', { class: 'muted' }, ` · ${m.tier}`) : null,
        m.simulated ? h('span', { class: 'muted' }, ' · simulated') : null),
      badge(m.status)),
    h('p', { class: 'hint' }, `Access: ${access(m.access)} · Plans: ${text(m.plans)}`
      + (m.defaultPlan ? ` · Default plan: ${m.defaultPlan}` : '') + ` · Fallbacks: ${text(m.fallbacks)}`),
    table([
      { label: 'Endpoint', cell: (e) => h('code', {}, e.url || e.id) },
      { label: 'Circuit', cell: (e) => [badge(e.circuit), e.activeCheckFailed ? ' health check failing' : ''] },
      { label: 'In flight', num: true, cell: (e) => num(e.inFlight) },
      { label: 'Last scraped load', cell: (e) => load(e.load) },
      { label: 'Last error', cell: (e) => (e.lastError ? `${e.lastError.reason} (${when(e.lastError.at)})` : '–') },
    ], m.endpoints || [], { caption: `Endpoints of ${m.id}`, empty: 'No endpoint right now.' })));
}

const LIMITS = {
  tokensPerMinute: 'tokens/min', tokensPerHour: 'tokens/hour', tokensPerDay: 'tokens/day',
  tokensPerMonth: 'tokens/month', requestsPerMinute: 'requests/min', maxConcurrent: 'concurrent',
  maxTokensPerRequest: 'max tokens/request',
};

function planTable(plans) {
  return table([
    { label: 'Plan', cell: (p) => p.name },
    { label: 'Priority', num: true, cell: (p) => num(p.priority) },
    { label: 'Subjects', cell: (p) => access({ groups: p.groups, users: p.users }) },
    { label: 'Models', cell: (p) => text(p.models) },
    { label: 'Scope', cell: (p) => text(p.scope) },
    { label: 'Limits', cell: (p) => Object.entries(p.limits || {})
      .map(([k, v]) => `${num(v)} ${LIMITS[k] || k}`).join(' · ') || '–' },
  ], plans, { caption: 'Plans in force', empty: 'No plan is configured: governed models are unlimited.' });
}
