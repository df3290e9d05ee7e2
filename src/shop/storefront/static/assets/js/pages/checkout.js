// Checkout: address, test card, one order. Each attempt carries one Idempotency-Key, so a
// double click or a retry after a lost answer can never make a second order.

import { ApiError, get, post } from '../api.js';
import { cart } from '../cart.js';
import { errorPanel, field, formData, h, loading, money, mount, randomKey, showFieldErrors, toast } from '../dom.js';
import { go } from '../router.js';
import { session } from '../session.js';
import { pricedLines, subtotal } from './cart.js';

const CARDS = [
  ['tok_ok', 'Test card — approved', 'Visa •••• 4242 (tok_ok)'],
  ['tok_declined', 'Test card — declined', 'Visa •••• 0002 (tok_declined)'],
];

export function addressFields() {
  const input = (name, attrs = {}) => h('input', { name, autocomplete: 'on', ...attrs });
  return [
    field('Street address', input('line1', { required: true, autocomplete: 'address-line1' })),
    field('Apartment, suite (optional)', input('line2', { autocomplete: 'address-line2' })),
    h('div', { class: 'row' },
      field('City', input('city', { required: true, autocomplete: 'address-level2' })),
      field('State / region (optional)', input('state', { autocomplete: 'address-level1' }))),
    h('div', { class: 'row' },
      field('Postal code', input('postalCode', { required: true, autocomplete: 'postal-code' })),
      field('Country', input('country', { required: true, autocomplete: 'country-name' }))),
  ];
}

export const addressText = (a) => [a.line1, a.line2, `${a.postalCode} ${a.city}`, a.state, a.country].filter(Boolean).join(', ');

function addressChoices(addresses) {
  const newOne = h('div', { class: 'new-address', hidden: addresses.length > 0 }, addressFields());
  const pick = (value) => {
    newOne.hidden = value !== 'new';
    for (const el of newOne.querySelectorAll('[required]')) el.disabled = value !== 'new';
  };
  const preferred = (addresses.find((a) => a.isDefault) ?? addresses[0])?.id;
  const options = addresses.map((a) => h('label', { class: 'choice' },
    h('input', { type: 'radio', name: 'addressId', value: a.id, checked: a.id === preferred, onchange: () => pick(a.id) }),
    h('span', { text: addressText(a) })));
  options.push(h('label', { class: 'choice' },
    h('input', { type: 'radio', name: 'addressId', value: 'new', checked: !addresses.length, onchange: () => pick('new') }),
    h('span', { text: 'A new address' })));
  queueMicrotask(() => pick(addresses.length ? 'saved' : 'new'));
  return h('fieldset', { class: 'panel' }, h('legend', { text: 'Shipping address' }), options, newOne);
}

function cardChoices() {
  return h('fieldset', { class: 'panel' }, h('legend', { text: 'Payment' }),
    h('p', { class: 'muted small', text: 'This is a demo shop: choose a test card. Nothing is really charged.' }),
    CARDS.map(([token, title, text], i) => h('label', { class: 'choice' },
      h('input', { type: 'radio', name: 'card', value: token, checked: i === 0 }),
      h('span', {}, h('strong', { text: title }), h('br'), h('span', { class: 'muted small', text })))));
}

/** What the shopper reads for each answer the order API can give. */
function explain(error, lines) {
  if (error.status === 402) return 'Your card was declined. Nothing was charged and no items are held for you. Choose another card and try again.';
  if (error.status === 409) {
    const short = error.errors.map((e) => {
      const [id, rest] = String(e.message).split(': ');
      const line = lines.find((l) => l.productId === id);
      return line?.product ? `${line.product.name} (${rest ?? 'not enough left'})` : null;
    }).filter(Boolean);
    return short.length ? `Sold out meanwhile: ${short.join(', ')}. Update your cart and try again.` : `${error.message}. Update your cart and try again.`;
  }
  if (error.status === 503) return 'We cannot take orders right now. Nothing was charged. Please try again in a moment.';
  if (error.status === 0 || error.status >= 500) return 'We did not get an answer about your order. Try again: you will not be charged twice.';
  return error.message;
}

// A retry of the same attempt (no answer, or a 5xx other than 503) reuses its key; any
// definite answer ends the attempt, and a changed cart, address or card starts a new one.
const DEFINITE = (status) => status > 0 && status < 500 || status === 503;

export function checkoutPage(page) {
  document.title = 'Checkout · shop';
  if (!session.user) { go('/login', { next: '/checkout' }); return; }
  if (!cart.lines().length) { go('/cart'); return; }
  mount(page, loading('Preparing checkout…'));
  let attempt = null;
  let createdAddress = null;

  const placeOrder = async (form, lines) => {
    const values = formData(form);
    let addressId = values.addressId;
    if (addressId === 'new') {
      const address = Object.fromEntries(Object.entries(values)
        .filter(([key, value]) => !['addressId', 'card'].includes(key) && value.trim() !== ''));
      const fingerprint = JSON.stringify(address);
      if (createdAddress?.fingerprint !== fingerprint) {
        const { data } = await post('/users/me/addresses', { ...address, isDefault: true });
        createdAddress = { fingerprint, id: data.id };
      }
      addressId = createdAddress.id;
    }
    const body = {
      items: lines.map((l) => ({ productId: l.productId, quantity: l.quantity })),
      shippingAddressId: addressId,
      payment: { method: 'card', token: values.card },
    };
    const fingerprint = JSON.stringify(body);
    if (attempt?.fingerprint !== fingerprint) attempt = { fingerprint, key: randomKey() };
    try {
      const { data } = await post('/orders', body, { headers: { 'Idempotency-Key': attempt.key } });
      attempt = null;
      cart.clear();
      go(`/orders/${data.id}`, { placed: 1 });
    } catch (error) {
      if (!(error instanceof ApiError) || DEFINITE(error.status)) attempt = null;
      throw error;
    }
  };

  const draw = async () => {
    let lines;
    let addresses;
    try {
      [lines, { data: addresses }] = await Promise.all([pricedLines(), get('/users/me/addresses')]);
    } catch (error) {
      if (error.status === 401) { go('/login', { next: '/checkout' }); return; }
      mount(page, errorPanel(error, draw));
      return;
    }
    const status = h('div', { class: 'checkout-status', role: 'alert', 'aria-live': 'assertive' });
    const button = h('button', { class: 'btn btn-primary btn-large', type: 'submit', id: 'place-order', text: `Place order · ${money(subtotal(lines))}` });
    const form = h('form', { class: 'checkout-form' },
      addressChoices(addresses), cardChoices(), status, button);
    let busy = false;
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (busy) return; // the second click of a double click
      busy = true;
      button.disabled = true;
      button.textContent = 'Placing order…';
      mount(status);
      status.className = 'checkout-status';
      try {
        await placeOrder(form, lines);
      } catch (error) {
        const unplaced = showFieldErrors(form, error);
        status.className = 'checkout-status panel panel-error';
        mount(status, h('p', { text: explain(error, lines) }),
          unplaced.length && error.status === 400 ? h('ul', {}, unplaced.map((e) => h('li', { text: `${e.path}: ${e.message}` }))) : null);
        status.scrollIntoView({ block: 'center' });
        if (error.status === 401) toast('Please sign in again to place your order.', 'error');
        button.disabled = false;
        button.textContent = `Place order · ${money(subtotal(lines))}`;
      } finally {
        busy = false;
      }
    });
    mount(page, h('h1', { text: 'Checkout' }),
      h('div', { class: 'cart-layout' }, form,
        h('aside', { class: 'summary panel' }, h('h2', { text: 'Order summary' }),
          h('ul', { class: 'summary-lines' }, lines.map((l) => h('li', { dataset: { productId: l.productId } },
            h('span', { text: `${l.quantity} × ${l.product?.name ?? 'Unavailable product'}` }),
            h('span', { text: money((l.product?.price ?? 0) * l.quantity) })))),
          h('div', { class: 'summary-row' }, h('span', { text: 'Total' }), h('strong', { text: money(subtotal(lines)) })),
          h('a', { href: '#/cart', text: 'Edit cart' }))));
  };
  draw();
}
