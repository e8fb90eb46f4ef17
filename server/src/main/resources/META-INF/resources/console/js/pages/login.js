// Sign in: the local user form, and "Sign in with …" when the server has an OIDC provider.
import { api, ApiProblem } from '../api.js';
import { errorBox, fill, h, problemText } from '../ui.js';

/** What /api/session/oidc/callback's ?error= codes mean to a person. */
const OIDC_ERRORS = {
  oidc_access_denied: 'Your organisation\'s sign-in did not let you in.',
  oidc_not_configured: 'Signing in with an organisation account is not set up on this server.',
  oidc_token_invalid: 'Your organisation\'s sign-in gave an answer this server does not accept. Ask an administrator.',
  oidc_state_invalid: 'The sign-in took too long or was started in another tab. Try again.',
  oidc_unavailable: 'Your organisation\'s sign-in cannot be reached right now. Try again shortly.',
  oidc_code_rejected: 'Signing in with your organisation failed. Try again, or ask an administrator.',
  oidc_nonce_mismatch: 'Signing in with your organisation failed. Try again.',
  oidc_callback_invalid: 'Signing in with your organisation failed. Try again.',
  oidc_bad_host: 'This server cannot work out its own address for the sign-in; an administrator must set auth.oidc.redirectUri.',
};

export async function render(main, { params, signedIn }) {
  let methods;
  try {
    methods = await api('GET', '/api/session/methods', undefined, { quiet401: true });
  } catch (e) {
    methods = { local: true, oidc: false };
  }
  const next = params.get('next') || '';
  const status = h('div', { id: 'login-status', 'aria-live': 'assertive' });
  const error = params.get('error');
  if (error) {
    fill(status, h('p', { class: 'notice error', role: 'alert' }, OIDC_ERRORS[error] || `Sign-in failed (${error}).`));
  }
  const user = h('input', { type: 'text', id: 'username', name: 'username', autocomplete: 'username', required: true,
    autocapitalize: 'none', spellcheck: 'false' });
  const password = h('input', { type: 'password', id: 'password', name: 'password', autocomplete: 'current-password',
    required: true });
  const submit = h('button', { type: 'submit', id: 'sign-in' }, 'Sign in');
  const form = h('form', {
    id: 'login-form', 'aria-labelledby': 'login-title',
    onsubmit: async (e) => {
      e.preventDefault();
      submit.disabled = true;
      fill(status);
      try {
        const body = await api('POST', '/api/session', { username: user.value, password: password.value },
          { quiet401: true });
        password.value = '';
        await signedIn(body, next);
      } catch (err) {
        submit.disabled = false;
        const text = err instanceof ApiProblem && err.status === 401
          ? 'Wrong user name or password.' : problemText(err);
        fill(status, h('p', { class: 'notice error', role: 'alert' }, text));
        password.select();
      }
    },
  },
  h('label', { for: 'username' }, 'User name'), user,
  h('label', { for: 'password' }, 'Password'), password,
  h('div', { class: 'actions' }, submit));
  const oidcHref = '/api/session/oidc' + (next.startsWith('/console/') ? `?next=${encodeURIComponent(next)}` : '');
  fill(main, h('section', { class: 'panel login' },
    h('h1', { id: 'login-title' }, 'Sign in to Sluice'),
    h('p', { class: 'muted' }, 'Get API keys for the models you may use, and see what you have used.'),
    status,
    methods.oidc ? h('a', { class: 'button', id: 'sign-in-oidc', href: oidcHref }, `Sign in with ${methods.provider || 'your organisation'}`) : null,
    methods.oidc && methods.local ? h('p', { class: 'or' }, 'or with a local account') : null,
    methods.local ? form : null,
    !methods.local && !methods.oidc ? errorBox({ status: 0, message: 'No way to sign in is configured.' }) : null));
  if (methods.local) {
    user.focus();
  }
}
