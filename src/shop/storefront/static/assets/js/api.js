// The one way pages talk to the platform: the public REST API through the gateway, with the
// contract's envelope unwrapped and its errors turned into ApiError.

import { renew, session } from './session.js';

export class ApiError extends Error {
  constructor(status, message, errors = [], requestId = null) {
    super(message);
    this.status = status;
    this.errors = errors;
    this.requestId = requestId;
  }
}

const OFFLINE = 'Cannot reach the shop. Check your connection and try again.';

function queryString(query) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/**
 * Calls the API; resolves to the envelope ({data, meta, message}) or throws ApiError.
 * `auth: false` sends no token (public catalog reads stay cacheable and never 401).
 */
export async function api(method, path, { body, query, headers = {}, auth = true } = {}) {
  const url = path + queryString(query);
  const send = async () => {
    const all = { Accept: 'application/json', ...headers };
    if (body !== undefined) all['Content-Type'] = 'application/json';
    const token = auth ? await session.accessToken() : null;
    if (token) all.Authorization = `Bearer ${token}`;
    const init = { method, headers: all, body: body === undefined ? undefined : JSON.stringify(body) };
    try {
      return { token, resp: await fetch(url, init) };
    } catch {
      throw new ApiError(0, OFFLINE);
    }
  };
  let { token, resp } = await send();
  if (resp.status === 401 && token) {
    // Expired meanwhile (or revoked): renew once and replay; a dead session signs out.
    if (await renew(token)) ({ resp } = await send());
    else throw new ApiError(401, 'Your session has ended. Please sign in again.');
  }
  const payload = await resp.json().catch(() => null);
  if (!resp.ok || !payload || payload.success === false) {
    const message = payload?.message || `The shop answered ${resp.status}`;
    throw new ApiError(resp.status, message, payload?.errors ?? [], payload?.requestId ?? null);
  }
  return payload;
}

export const get = (path, opts) => api('GET', path, opts);
export const post = (path, body, opts) => api('POST', path, { ...opts, body });
export const patch = (path, body, opts) => api('PATCH', path, { ...opts, body });
export const del = (path, opts) => api('DELETE', path, opts);

/** Public catalog reads: no token, so an expired session never breaks browsing. */
export const catalog = (query) => get('/products', { query, auth: false });
export const product = (id) => get(`/products/${encodeURIComponent(id)}`, { auth: false });

const names = new Map();

/** Product names for order lines (orders store ids); missing products get a placeholder. */
export async function productNames(ids) {
  await Promise.all([...new Set(ids)].filter((id) => !names.has(id)).map(async (id) => {
    try {
      names.set(id, (await product(id)).data.name);
    } catch {
      names.set(id, 'Product no longer listed');
    }
  }));
  return names;
}

export async function signIn(email, password) {
  const { data } = await post('/auth/login', { email, password }, { auth: false });
  session.start(data);
  return data.user;
}

export async function signOut() {
  const refreshToken = session.refreshToken;
  try {
    if (refreshToken) await post('/auth/logout', { refreshToken });
  } catch {
    // Signing out locally matters most; the refresh token dies with its family anyway.
  } finally {
    session.clear();
  }
}
