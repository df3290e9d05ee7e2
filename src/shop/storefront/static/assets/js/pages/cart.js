// The cart: each line priced from the catalog now; the order service prices the order itself.

import { product } from '../api.js';
import { cart } from '../cart.js';
import { emptyState, errorPanel, h, loading, money, mount, thumb } from '../dom.js';
import { session } from '../session.js';

/** The cart's lines joined with their products; a product that vanished is flagged. */
export async function pricedLines() {
  return Promise.all(cart.lines().map(async (line) => {
    try {
      return { ...line, product: (await product(line.productId)).data };
    } catch (error) {
      if (error.status === 404) return { ...line, product: null };
      throw error;
    }
  }));
}

export const subtotal = (lines) => lines.reduce((sum, l) => sum + (l.product ? l.product.price * l.quantity : 0), 0);

function lineRow(line) {
  const p = line.product;
  if (!p) {
    return h('li', { class: 'line line-gone' }, h('div', { class: 'line-main' },
      h('p', { text: 'A product in your cart is no longer sold.' }),
      h('button', { class: 'btn btn-ghost', type: 'button', text: 'Remove', onclick: () => cart.remove(line.productId) })));
  }
  const qty = h('input', { type: 'number', class: 'qty', min: 1, max: Math.max(1, p.stock), value: line.quantity, 'aria-label': `Quantity of ${p.name}` });
  qty.addEventListener('change', () => cart.set(p.id, Math.max(1, Number.parseInt(qty.value, 10) || 1)));
  const short = p.stock < line.quantity;
  return h('li', { class: `line${short ? ' line-short' : ''}`, dataset: { productId: p.id } },
    thumb(p, 'thumb-small'),
    h('div', { class: 'line-main' },
      h('a', { href: `#/product/${encodeURIComponent(p.id)}`, class: 'line-name', text: p.name }),
      h('p', { class: 'muted small', text: `${money(p.price)} each` }),
      short ? h('p', { class: 'warn small', text: p.stock ? `Only ${p.stock} left` : 'Sold out' }) : null),
    qty,
    h('span', { class: 'line-total', text: money(p.price * line.quantity) }),
    h('button', { class: 'btn btn-ghost', type: 'button', 'aria-label': `Remove ${p.name}`, text: 'Remove', onclick: () => cart.remove(p.id) }));
}

// One listener for the module: the cart page shown last redraws when the cart changes.
let redraw = null;
cart.onChange(() => redraw?.());

export function cartPage(page) {
  document.title = 'Cart · shop';
  const draw = async () => {
    if (!page.isConnected) return;
    if (!cart.lines().length) {
      mount(page, h('h1', { text: 'Your cart' }),
        emptyState('Your cart is empty', 'Find something you like in the catalog.', h('a', { class: 'btn btn-primary', href: '#/', text: 'Browse products' })));
      return;
    }
    if (!page.firstChild) mount(page, loading('Loading your cart…'));
    let lines;
    try {
      lines = await pricedLines();
    } catch (error) {
      mount(page, errorPanel(error, draw));
      return;
    }
    const blocked = lines.some((l) => !l.product || l.product.stock < l.quantity);
    const checkout = h('a', { class: `btn btn-primary btn-large${blocked ? ' disabled' : ''}`, href: session.user ? '#/checkout' : '#/login?next=/checkout', 'aria-disabled': blocked ? 'true' : null, text: 'Checkout' });
    if (blocked) checkout.addEventListener('click', (event) => event.preventDefault());
    mount(page, h('h1', { text: 'Your cart' }),
      h('div', { class: 'cart-layout' },
        h('ul', { class: 'lines', 'aria-label': 'Cart items' }, lines.map(lineRow)),
        h('aside', { class: 'summary panel' },
          h('div', { class: 'summary-row' }, h('span', { text: 'Subtotal' }), h('strong', { id: 'cart-subtotal', text: money(subtotal(lines)) })),
          h('p', { class: 'muted small', text: 'Shipping is free. Prices are confirmed when you place the order.' }),
          blocked ? h('p', { class: 'warn small', text: 'Adjust the lines marked above to continue.' }) : null,
          checkout)));
  };
  redraw = draw;
  draw();
}
