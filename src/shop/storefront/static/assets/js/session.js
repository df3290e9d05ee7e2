// The signed-in session. Static pages have no server side to hold it, so the tokens live in
// localStorage (the page's strict CSP allows no inline or foreign script to read them). The
// short-lived access token is renewed with the refresh token, which rotates on every use.

const KEY = 'shop.session';
const listeners = new Set();
let current = load();
let renewing = null;

function load() {
  try {
    return JSON.parse(localStorage.getItem(KEY)) ?? null;
  } catch {
    return null;
  }
}

function save(next) {
  current = next;
  if (next) localStorage.setItem(KEY, JSON.stringify(next));
  else localStorage.removeItem(KEY);
  for (const fn of listeners) fn(next);
}

// Another tab signed in, renewed or signed out.
window.addEventListener('storage', (event) => {
  if (event.key !== KEY) return;
  current = load();
  for (const fn of listeners) fn(current);
});

function fromLogin(data) {
  return {
    accessToken: data.accessToken,
    refreshToken: data.refreshToken,
    user: data.user,
    expiresAt: Date.now() + (Number(data.expiresIn) || 900) * 1000,
  };
}

async function postRefresh(refreshToken) {
  const resp = await fetch('/auth/refresh', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ refreshToken }),
  });
  const body = await resp.json().catch(() => null);
  return { status: resp.status, data: body?.data };
}

// A refresh token works once, and replaying a spent one ends the whole session, so
// renewals are serialised across tabs (Web Locks) and within this one (one promise); whoever
// waited uses the pair the first renewal stored.
async function renewOnce(stale) {
  const stored = load();
  if (!stored) {
    current = null;
    return false;
  }
  if (stored.accessToken !== stale) {
    current = stored;
    return true;
  }
  let answer;
  try {
    answer = await postRefresh(stored.refreshToken);
  } catch {
    return false; // offline: keep the session, the next request tries again
  }
  if (answer.status === 200 && answer.data) {
    save({ ...fromLogin(answer.data), user: answer.data.user ?? stored.user });
    return true;
  }
  if (answer.status === 400 || answer.status === 401) save(null);
  return false;
}

export function renew(stale) {
  if (!renewing) {
    const run = () => renewOnce(stale);
    const task = navigator.locks ? navigator.locks.request('shop-session-renew', run) : run();
    renewing = task.finally(() => { renewing = null; });
  }
  return renewing;
}

export const session = {
  get user() {
    return current?.user ?? null;
  },
  get isAdmin() {
    return current?.user?.role === 'admin';
  },
  onChange(fn) {
    listeners.add(fn);
  },
  start(loginData) {
    save(fromLogin(loginData));
  },
  updateUser(user) {
    if (current) save({ ...current, user: { ...current.user, ...user } });
  },
  get refreshToken() {
    return current?.refreshToken ?? null;
  },
  clear() {
    save(null);
  },
  /** A usable access token (renewed first when about to expire), or null when signed out. */
  async accessToken() {
    if (!current) return null;
    if (current.expiresAt - Date.now() < 5000) await renew(current.accessToken);
    return current?.accessToken ?? null;
  },
};
