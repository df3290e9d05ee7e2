// The cart lives in this browser (localStorage): product ids and quantities only. Prices are
// read fresh from the catalog, and the order service prices the order itself.

const KEY = 'shop.cart';
const listeners = new Set();

function read() {
  try {
    const lines = JSON.parse(localStorage.getItem(KEY));
    return Array.isArray(lines) ? lines.filter((l) => l && l.productId && l.quantity > 0) : [];
  } catch {
    return [];
  }
}

function write(lines) {
  localStorage.setItem(KEY, JSON.stringify(lines));
  for (const fn of listeners) fn(lines);
}

window.addEventListener('storage', (event) => {
  if (event.key === KEY) for (const fn of listeners) fn(read());
});

export const cart = {
  lines: read,
  count: () => read().reduce((sum, line) => sum + line.quantity, 0),
  onChange(fn) {
    listeners.add(fn);
  },
  add(productId, quantity = 1) {
    const lines = read();
    const line = lines.find((l) => l.productId === productId);
    if (line) line.quantity += quantity;
    else lines.push({ productId, quantity });
    write(lines);
  },
  set(productId, quantity) {
    const lines = read().map((l) => (l.productId === productId ? { ...l, quantity } : l));
    write(lines.filter((l) => l.quantity > 0));
  },
  remove(productId) {
    write(read().filter((l) => l.productId !== productId));
  },
  clear() {
    write([]);
  },
};
