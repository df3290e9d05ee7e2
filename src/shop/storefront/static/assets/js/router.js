// A hash router: `#/product/<id>?x=1`. Client routes live after the `#`, so they can never
// shadow an API path (/auth, /users, /products, /orders, /health) on the same origin.

export function currentRoute() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, query = ''] = raw.split('?');
  return { path: path || '/', params: new URLSearchParams(query) };
}

/** Finds the handler whose pattern (`/orders/:id`) matches; returns [handler, args]. */
export function match(routes, path) {
  for (const [pattern, handler] of routes) {
    const want = pattern.split('/');
    const got = path.split('/');
    if (want.length !== got.length) continue;
    const args = {};
    const ok = want.every((part, i) => {
      if (part.startsWith(':')) {
        args[part.slice(1)] = decodeURIComponent(got[i]);
        return got[i] !== '';
      }
      return part === got[i];
    });
    if (ok) return [handler, args];
  }
  return [null, {}];
}

export function href(path, params) {
  const clean = new URLSearchParams();
  for (const [key, value] of Object.entries(params ?? {})) {
    if (value !== undefined && value !== null && value !== '' && value !== false) clean.set(key, String(value));
  }
  const text = clean.toString();
  return `#${path}${text ? `?${text}` : ''}`;
}

export function go(path, params) {
  location.hash = href(path, params);
}

/** Runs `render` on every route change; the page gets focus so keyboards start there. */
export function startRouter(render) {
  const run = () => render(currentRoute());
  window.addEventListener('hashchange', run);
  run();
}
