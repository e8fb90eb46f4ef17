// The console's only way to the server: /api with the session cookie, and X-CSRF-Token on every change.

/** The signed-in session: {user: {subject, name, groups, admin}, csrfToken, expiresAt}, or null. */
export const session = { current: null };

/** An answer in the one error shape; status 0 when the server could not be reached. */
export class ApiProblem extends Error {
  constructor(status, error, headers) {
    super(error?.message || `The server answered ${status}.`);
    this.status = status;
    this.code = error?.code || null;
    this.type = error?.type || null;
    this.param = error?.param || null;
    this.retryAfter = headers?.get('retry-after') || null;
  }
}

const listeners = { expired: [] };

/** Called when an answer says the session is over (401): the console returns to the login page. */
export function onExpired(fn) {
  listeners.expired.push(fn);
}

/**
 * Calls /api. Resolves with the parsed JSON (null for 204); rejects with an ApiProblem.
 * A 401 on anything but the login calls ends the session in the console as well.
 */
export async function api(method, path, body, { quiet401 = false } = {}) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
  }
  if (method !== 'GET' && session.current?.csrfToken) {
    headers['x-csrf-token'] = session.current.csrfToken;
  }
  let res;
  try {
    res = await fetch(path, {
      method, headers, credentials: 'same-origin', cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiProblem(0, { message: 'The Sluice server cannot be reached. Check your connection and retry.' });
  }
  if (res.status === 204) {
    return null;
  }
  let json = null;
  try {
    json = await res.json();
  } catch (e) {
    json = null;
  }
  if (!res.ok) {
    const problem = new ApiProblem(res.status, json?.error, res.headers);
    if (res.status === 401 && !quiet401) {
      session.current = null;
      listeners.expired.forEach((fn) => fn(problem));
    }
    throw problem;
  }
  return json;
}

/** Query string from an object, leaving out empty values. */
export function query(params) {
  const q = new URLSearchParams();
  Object.entries(params).forEach(([k, v]) => {
    if (v !== undefined && v !== null && v !== '') {
      q.set(k, String(v));
    }
  });
  const s = q.toString();
  return s ? `?${s}` : '';
}
