// API keys: create one (shown once), list them, revoke with confirmation.
import { api } from '../api.js';
import {
  announce, badge, confirmDialog, copyButton, day, errorBox, fill, h, problemText, table, when,
} from '../ui.js';

const EXPIRY_DAYS = [7, 30, 90, 180, 365];

export async function render(main, { alive }) {
  let models;
  let keys;
  try {
    [models, keys] = await Promise.all([api('GET', '/api/models'), api('GET', '/api/keys')]);
  } catch (e) {
    fill(main, h('h1', {}, 'API keys'), errorBox(e));
    return;
  }
  const created = h('div', { id: 'created' });
  const list = h('div', { id: 'key-list' });
  const refresh = async () => {
    try {
      keys = await api('GET', '/api/keys');
      if (alive()) fill(list, keyTable(keys.keys, refresh));
    } catch (e) {
      if (alive()) fill(list, errorBox(e));
    }
  };
  fill(list, keyTable(keys.keys, refresh));
  fill(main,
    h('h1', {}, 'API keys'),
    h('section', { class: 'panel', 'aria-labelledby': 'create-title' },
      h('h2', { id: 'create-title' }, 'Create a key'),
      models.models.length
        ? createForm(models.models.map((m) => m.id), created, refresh)
        : h('p', { class: 'notice warn', id: 'no-models' },
          'No model is open to you, so there is nothing to create a key for. Ask an administrator for access.'),
      created),
    h('section', { class: 'panel', 'aria-labelledby': 'list-title' },
      h('h2', { id: 'list-title' }, 'Your keys'), list));
  // Leaving the page drops a new key from the page and from memory: it is shown once.
  return () => fill(created);
}

function createForm(modelIds, created, refresh) {
  const name = h('input', { type: 'text', id: 'key-name', name: 'name', required: true, maxlength: '100',
    'aria-describedby': 'key-name-hint' });
  const boxes = modelIds.map((id) => h('input', { type: 'checkbox', name: 'models', value: id }));
  const expiry = h('select', { id: 'key-expiry', name: 'expiresInDays' },
    EXPIRY_DAYS.map((d) => h('option', { value: String(d), selected: d === 90 }, `${d} days`)));
  const status = h('div', { 'aria-live': 'assertive' });
  const submit = h('button', { type: 'submit', id: 'create-key' }, 'Create key');
  return h('form', {
    id: 'create-form',
    onsubmit: async (e) => {
      e.preventDefault();
      submit.disabled = true;
      fill(status);
      const body = {
        name: name.value.trim(),
        models: boxes.filter((b) => b.checked).map((b) => b.value),
        expiresInDays: Number(expiry.value),
      };
      try {
        const key = await api('POST', '/api/keys', body);
        e.target.reset();
        showOnce(created, key);
        refresh();
      } catch (err) {
        fill(status, h('p', { class: 'notice error', role: 'alert' }, problemText(err)));
      } finally {
        submit.disabled = false;
      }
    },
  },
  h('label', { for: 'key-name' }, 'Name'), name,
  h('p', { class: 'hint', id: 'key-name-hint' }, 'Say where it will be used, e.g. "laptop" or "nightly eval".'),
  h('fieldset', {},
    h('legend', {}, 'Models'),
    h('p', { class: 'hint' }, 'Tick none for every model you may use, now and later.'),
    boxes.map((b, i) => h('label', {}, b, modelIds[i]))),
  h('label', { for: 'key-expiry' }, 'Expires after'), expiry,
  h('div', { class: 'actions' }, submit), status);
}

/** The new key, once: a read-only field, a copy button and the warning. "Done" removes it from the page. */
function showOnce(box, key) {
  const field = h('input', { type: 'text', id: 'new-key', readonly: true, value: key.key, 'aria-label': 'Your new API key',
    onfocus: (e) => e.target.select() });
  const done = h('button', { type: 'button', class: 'secondary', id: 'key-done', onclick: () => {
    fill(box);
    announce('The key is no longer shown. Only its prefix is kept.');
  } }, 'Done, I have copied it');
  fill(box, h('div', { class: 'notice warn', role: 'alert', id: 'key-created' },
    h('h3', {}, `Key "${key.name}" created`),
    h('p', {}, h('strong', {}, 'Copy it now: it will not be shown again. '),
      'Sluice keeps only a hash of it. Store it like a password.'),
    h('div', { class: 'secret' }, field, copyButton(() => field.value, 'Copy key', 'The API key')),
    h('p', { class: 'hint' }, `Expires ${day(key.expiresAt)}. Use it as "Authorization: Bearer …".`),
    done));
  field.focus();
}

function keyTable(keys, refresh) {
  return table([
    { label: 'Name', cell: (k) => k.name },
    { label: 'Prefix', cell: (k) => h('code', {}, k.prefix) },
    { label: 'Models', cell: (k) => (k.models.length ? k.models.join(', ') : 'all yours') },
    { label: 'Created', cell: (k) => day(k.createdAt) },
    { label: 'Expires', cell: (k) => day(k.expiresAt) },
    { label: 'Last used', cell: (k) => (k.lastUsedAt ? when(k.lastUsedAt) : 'never') },
    { label: 'Status', cell: (k) => badge(k.status) },
    { label: 'Actions', cell: (k) => revokeButton(k, `/api/keys/${encodeURIComponent(k.id)}`, refresh) },
  ], keys, { caption: 'Your API keys', empty: 'You have no keys yet.' });
}

/** A revoke button with a confirmation dialog; used by the admin page too. */
export function revokeButton(k, path, refresh) {
  if (k.status === 'revoked' || k.status === 'expired') {
    return '';
  }
  return h('button', {
    type: 'button', class: 'danger small', 'data-revoke': k.prefix, 'aria-label': `Revoke ${k.name} (${k.prefix})`,
    onclick: async () => {
      const ok = await confirmDialog('Revoke this key?',
        `"${k.name}" (${k.prefix}) stops working at once, on every replica. This cannot be undone.`, 'Revoke key');
      if (!ok) return;
      try {
        await api('DELETE', path);
        announce(`Key ${k.prefix} is revoked.`);
        await refresh();
      } catch (e) {
        announce(problemText(e), 'error');
      }
    },
  }, 'Revoke');
}
