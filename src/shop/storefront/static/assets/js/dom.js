// Small DOM helpers. Pages are built with h(), never from HTML strings: text from the API is
// always set as text, so a product name can never become markup.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function mount(target, ...children) {
  target.replaceChildren();
  append(target, children);
}

const currency = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

/** Integer cents -> "$12.99" (money is never a float in the API). */
export const money = (cents) => currency.format((Number(cents) || 0) / 100);

/** "12.99" typed by a person -> 1299 cents, or null when it is not an amount. */
export function toCents(text) {
  const value = String(text ?? '').trim().replace(/^\$/, '');
  if (!/^\d+(\.\d{1,2})?$/.test(value)) return null;
  const [whole, frac = ''] = value.split('.');
  return Number(whole) * 100 + Number(frac.padEnd(2, '0'));
}

export const centsToText = (cents) => (cents === null || cents === undefined ? '' : (cents / 100).toFixed(2));

const dateFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
export const when = (iso) => (iso ? dateFormat.format(new Date(iso)) : '');

export function toast(message, kind = 'info') {
  const box = document.getElementById('toasts');
  const item = h('div', { class: `toast toast-${kind}`, text: message });
  box.append(item);
  setTimeout(() => item.remove(), 4000);
}

export function loading(label = 'Loading…') {
  return h('div', { class: 'loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), label);
}

/** An error panel with the API's message and, when given, a retry button. */
export function errorPanel(error, retry) {
  return h('div', { class: 'panel panel-error', role: 'alert' },
    h('p', { class: 'panel-title', text: 'Something went wrong' }),
    h('p', { text: error?.message ?? String(error) }),
    error?.requestId ? h('p', { class: 'muted small', text: `Reference: ${error.requestId}` }) : null,
    retry ? h('button', { class: 'btn', type: 'button', onclick: retry, text: 'Try again' }) : null);
}

export function emptyState(title, text, action) {
  return h('div', { class: 'empty' }, h('p', { class: 'empty-title', text: title }),
    text ? h('p', { class: 'muted', text }) : null, action ?? null);
}

/** A labelled form field; `error` slots show the API's per-field messages. */
export function field(label, input, hint) {
  const id = input.id || `f-${input.name}-${Math.random().toString(36).slice(2, 8)}`;
  input.id = id;
  const error = h('p', { class: 'field-error', id: `${id}-error`, 'aria-live': 'polite' });
  input.setAttribute('aria-describedby', `${id}-error`);
  return h('div', { class: 'field', dataset: { field: input.name } },
    h('label', { for: id, text: label }), input,
    hint ? h('p', { class: 'hint', text: hint }) : null, error);
}

/** Puts an ApiError's field messages next to the fields they name; returns the rest. */
export function showFieldErrors(form, error) {
  for (const slot of form.querySelectorAll('.field-error')) slot.textContent = '';
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  const unplaced = [];
  for (const item of error?.errors ?? []) {
    const name = String(item.path ?? '').split('.').pop();
    const box = form.querySelector(`[data-field="${CSS.escape(name)}"]`);
    if (!box) { unplaced.push(item); continue; }
    box.querySelector('.field-error').textContent = item.message;
    box.querySelector('input, select, textarea')?.setAttribute('aria-invalid', 'true');
  }
  return unplaced;
}

export function formData(form) {
  return Object.fromEntries(new FormData(form).entries());
}

/** Initials on a coloured tile: the catalog has no images, so each product gets a stable one. */
export function thumb(product, size = '') {
  const words = String(product?.name ?? '?').split(/\s+/).filter((w) => /[A-Za-z0-9]/.test(w[0] ?? ''));
  const letters = (words.slice(0, 2).map((w) => w[0]).join('') || '?').toUpperCase();
  let hash = 0;
  for (const ch of String(product?.category ?? '') + String(product?.name ?? '')) hash = (hash * 31 + ch.charCodeAt(0)) % 360;
  const tile = h('div', { class: `thumb ${size}`, 'aria-hidden': 'true' }, h('span', { text: letters }));
  tile.style.setProperty('--hue', String(hash));
  return tile;
}

export function stockLabel(product) {
  if (product.stock <= 0) return h('span', { class: 'stock stock-out', text: 'Out of stock' });
  if (product.stock <= (product.lowStockThreshold ?? 0)) {
    return h('span', { class: 'stock stock-low', text: `Only ${product.stock} left` });
  }
  return h('span', { class: 'stock stock-in', text: 'In stock' });
}

export function statusBadge(status) {
  return h('span', { class: `status status-${String(status).toLowerCase()}`, text: status });
}

/** A random id for Idempotency-Key; crypto.randomUUID exists only in secure contexts. */
export function randomKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
