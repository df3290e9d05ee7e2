// One product: price, stock state, description and attributes, and a quantity to add.

import { product } from '../api.js';
import { cart } from '../cart.js';
import { errorPanel, h, loading, money, mount, stockLabel, thumb, toast } from '../dom.js';

function attributes(attrs) {
  const entries = Object.entries(attrs ?? {});
  if (!entries.length) return null;
  return h('section', { class: 'attributes' }, h('h2', { text: 'Details' }),
    h('dl', {}, entries.map(([name, value]) => [
      h('dt', { text: name.replace(/_/g, ' ') }),
      h('dd', { text: typeof value === 'object' ? JSON.stringify(value) : String(value) }),
    ])));
}

export function productPage(page, { args }) {
  mount(page, loading('Loading product…'));
  const load = async () => {
    let item;
    try {
      item = (await product(args.id)).data;
    } catch (error) {
      document.title = 'Product · shop';
      mount(page, error.status === 404
        ? h('div', { class: 'empty' }, h('h1', { text: 'Product not found' }), h('a', { class: 'btn', href: '#/', text: 'Back to the shop' }))
        : errorPanel(error, load));
      return;
    }
    document.title = `${item.name} · shop`;
    const qty = h('input', { type: 'number', name: 'quantity', min: 1, max: Math.max(1, item.stock), value: 1, class: 'qty', 'aria-label': 'Quantity' });
    const add = h('button', { class: 'btn btn-primary btn-large', type: 'submit', disabled: item.stock <= 0 }, item.stock > 0 ? 'Add to cart' : 'Sold out');
    const form = h('form', { class: 'buy' }, qty, add);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const quantity = Math.max(1, Math.min(item.stock, Number.parseInt(qty.value, 10) || 1));
      cart.add(item.id, quantity);
      toast(`${quantity} × ${item.name} added to your cart`, 'ok');
    });
    mount(page,
      h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/', text: 'Shop' }), ' / ',
        h('a', { href: `#/?category=${encodeURIComponent(item.category)}`, text: item.category })),
      h('article', { class: 'product' }, thumb(item, 'thumb-large'),
        h('div', { class: 'product-info' },
          h('h1', { text: item.name }),
          h('p', { class: 'price price-large', text: money(item.price) }),
          stockLabel(item),
          h('p', { class: 'description', text: item.description || 'No description yet.' }),
          form,
          h('p', { class: 'muted small', text: `SKU ${item.sku}` }),
          attributes(item.attributes))));
  };
  load();
}
