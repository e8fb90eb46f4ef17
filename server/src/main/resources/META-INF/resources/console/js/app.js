// The console's shell: who is signed in, the navigation, and which page is shown (paths under /console/).
import { api, onExpired, session } from './api.js';
import { announce, clearMessages, fill, h } from './ui.js';
import * as login from './pages/login.js';
import * as models from './pages/models.js';
import * as keys from './pages/keys.js';
import * as usage from './pages/usage.js';
import * as admin from './pages/admin.js';

const PAGES = {
  login: { module: login, title: 'Sign in', open: true },
  models: { module: models, title: 'Models' },
  keys: { module: keys, title: 'API keys' },
  usage: { module: usage, title: 'Usage' },
  admin: { module: admin, title: 'Administration', admin: true },
};
const BASE = '/console/';
let leave = null;   // the shown page's clean-up (timers, secrets on screen)
let shown = 0;      // increases with every navigation, so a late answer never paints over a newer page

function pageOf(pathname) {
  const name = pathname.startsWith(BASE) ? pathname.slice(BASE.length).split('/')[0] : '';
  return PAGES[name] ? name : null;
}

/** Shows the page at path (a /console/ path with an optional query), adding it to the history unless replace. */
export function go(path, { replace = false } = {}) {
  history[replace ? 'replaceState' : 'pushState'](null, '', path);
  return show();
}

async function show() {
  const token = ++shown;
  if (leave) {
    try { leave(); } catch (e) { /* a page's clean-up never blocks the next page */ }
    leave = null;
  }
  let name = pageOf(location.pathname);
  if (!session.current && !(name && PAGES[name].open)) {
    const next = name ? location.pathname + location.search : '';
    history.replaceState(null, '', BASE + 'login' + (next ? `?next=${encodeURIComponent(next)}` : ''));
    name = 'login';
  } else if (!name || (name === 'login' && session.current)) {
    history.replaceState(null, '', BASE + 'models');
    name = 'models';
  }
  const page = PAGES[name];
  document.title = `${page.title} · Sluice`;
  renderNav(name);
  // Each page renders into a view of its own: a page left while it still waits for answers writes into a
  // view that is no longer shown, never over the next page.
  const view = h('div', { class: 'view' }, h('p', { class: 'muted' }, 'Loading…'));
  fill(document.getElementById('main'), view);
  delete document.body.dataset.rendered;
  const params = new URLSearchParams(location.search);
  let cleanup;
  try {
    cleanup = await page.module.render(view, { params, go, signedIn, alive: () => token === shown });
  } catch (e) {
    fill(view, h('h1', {}, page.title), h('p', { class: 'notice error', role: 'alert' },
      `This page failed: ${e.message}. Reload to try again.`));
  }
  if (token !== shown) {
    if (typeof cleanup === 'function') cleanup();
    return;
  }
  leave = typeof cleanup === 'function' ? cleanup : null;
  document.body.dataset.rendered = name;
  performance.mark(`console:${name}:rendered`);
}

function renderNav(current) {
  const nav = document.getElementById('nav');
  const user = session.current?.user;
  if (!user) {
    nav.hidden = true;
    fill(nav);
    return;
  }
  const link = (name, text) => h('a', {
    href: BASE + name, 'aria-current': current === name ? 'page' : null, 'data-nav': name,
  }, text);
  fill(nav,
    link('models', 'Models'), link('keys', 'Keys'), link('usage', 'Usage'),
    user.admin ? link('admin', 'Admin') : null,
    h('span', { class: 'account' },
      h('span', { class: 'who' }, 'Signed in as ', h('strong', {}, user.name || user.subject)),
      h('button', { type: 'button', class: 'secondary small', id: 'sign-out', onclick: signOut }, 'Sign out')));
  nav.hidden = false;
}

async function signOut() {
  try {
    await api('DELETE', '/api/session', undefined, { quiet401: true });
  } catch (e) {
    // the session may be gone already; either way it is over here
  }
  session.current = null;
  clearMessages();
  await go(BASE + 'login');
  announce('You are signed out.');
}

/** Called by the login page once a session exists. */
export async function signedIn(body, next) {
  session.current = body;
  clearMessages();
  await go(next && next.startsWith(BASE) && !next.startsWith(BASE + 'login') ? next : BASE + 'models',
    { replace: true });
}

onExpired(() => {
  if (pageOf(location.pathname) === 'login') {
    return;
  }
  const next = location.pathname + location.search;
  go(`${BASE}login?next=${encodeURIComponent(next)}`, { replace: true })
    .then(() => announce('Your session has ended. Sign in again to continue.', 'warn'));
});

document.addEventListener('click', (e) => {
  const a = e.target.closest('a[href]');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) {
    return;
  }
  const url = new URL(a.href, location.href);
  if (url.origin === location.origin && pageOf(url.pathname) && !a.hasAttribute('download')) {
    e.preventDefault();
    clearMessages();
    go(url.pathname + url.search).then(() => document.getElementById('main').focus());
  }
});
window.addEventListener('popstate', () => show());

async function boot() {
  try {
    session.current = await api('GET', '/api/session', undefined, { quiet401: true });
  } catch (e) {
    session.current = null;
    if (e.status !== 401) {
      announce(e.message, 'error');
    }
  }
  await show();
}

boot();
