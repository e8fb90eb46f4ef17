// Small DOM helpers. Text always goes in as text nodes, never as HTML.

/** h('a', {href: '/x', onclick: fn}, 'text', child) → element. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) {
      continue;
    }
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2), v);
    } else if (k === 'class') {
      el.className = v;
    } else if (k === 'dataset') {
      Object.assign(el.dataset, v);
    } else if (v === true) {
      el.setAttribute(k, '');
    } else {
      el.setAttribute(k, String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) {
      continue;
    }
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces the children of el. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** Shows a message in the live region (read out by screen readers); kind: ok | error | warn. */
export function announce(text, kind = 'ok') {
  const box = document.getElementById('messages');
  fill(box, h('p', { class: `notice ${kind}` }, text));
}

export function clearMessages() {
  fill(document.getElementById('messages'));
}

const number = new Intl.NumberFormat();
export function num(n) {
  return n === null || n === undefined ? '–' : number.format(n);
}

/** An amount of money as people read it: the currency's symbol, and up to four decimals for small sums. */
export function money(n, currency) {
  if (n === null || n === undefined) return '–';
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency, maximumFractionDigits: 4 }).format(n);
  } catch {
    return `${number.format(n)} ${currency}`; // a code Intl does not know is still shown
  }
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
export function when(iso) {
  return iso ? dateTime.format(new Date(iso)) : '–';
}
const shortMoment = new Intl.DateTimeFormat(undefined,
  { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
/** A recent moment, compactly: "1 Dec, 14:50:07". */
export function moment(iso) {
  return iso ? shortMoment.format(new Date(iso)) : '–';
}
export function day(iso) {
  return iso ? dateOnly.format(new Date(iso)) : '–';
}

export function badge(status) {
  const s = String(status || 'unknown').toLowerCase();
  return h('span', { class: `badge ${s}` }, s.replace('_', ' '));
}

/** A button that copies text() to the clipboard and says so. */
export function copyButton(text, label = 'Copy', what = 'Text') {
  return h('button', {
    type: 'button', class: 'secondary small copy', 'aria-label': `${label}: ${what}`,
    onclick: async (e) => {
      const value = typeof text === 'function' ? text() : text;
      try {
        await navigator.clipboard.writeText(value);
        announce(`${what} copied to the clipboard.`);
      } catch (err) {
        announce('The browser refused the clipboard: select the text and copy it yourself.', 'warn');
      }
      e.currentTarget.focus();
    },
  }, label);
}

/** A table; columns: [{label, cell: row => node|string, num?}]. Narrow screens show each row as a card. */
export function table(columns, rows, { caption, empty = 'Nothing yet.' } = {}) {
  if (!rows.length) {
    return h('p', { class: 'muted' }, empty);
  }
  return h('div', { class: 'table-wrap' }, h('table', { class: 'cards' },
    caption ? h('caption', { class: 'visually-hidden' }, caption) : null,
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.num ? 'num' : null }, c.label)))),
    h('tbody', {}, rows.map((r) => h('tr', {},
      columns.map((c) => h('td', { 'data-label': c.label, class: c.num ? 'num' : null }, c.cell(r))))))));
}

/** Asks to confirm in a modal dialog; resolves true when confirmed. Escape or Cancel resolve false. */
export function confirmDialog(title, text, action) {
  return new Promise((resolve) => {
    const dialog = h('dialog', { 'aria-labelledby': 'confirm-title' },
      h('h2', { id: 'confirm-title' }, title),
      h('p', {}, text),
      h('form', { method: 'dialog', class: 'actions' },
        h('button', { value: 'cancel', class: 'secondary', autofocus: true }, 'Cancel'),
        h('button', { value: 'confirm', class: 'danger solid' }, action)));
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'confirm');
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** The message to show for a failed call: a 403 names what is missing. */
export function problemText(problem) {
  if (problem.status === 403) {
    return `Not allowed: ${problem.message}`;
  }
  if (problem.status === 429) {
    return problem.retryAfter ? `${problem.message} Try again in ${problem.retryAfter} s.` : problem.message;
  }
  return problem.message;
}

export function errorBox(problem) {
  return h('p', { class: 'notice error', role: 'alert' }, problemText(problem));
}
