// Order history and one order: status, lines, address, and cancel where the rules allow it.

import { get, post, productNames } from '../api.js';
import { emptyState, errorPanel, h, loading, money, mount, statusBadge, toast, when } from '../dom.js';
import { go, href } from '../router.js';
import { session } from '../session.js';
import { addressText } from './checkout.js';

const CANCELLABLE = new Set(['PENDING', 'CONFIRMED']);
const PAGE_SIZE = 10;

export function ordersPage(page, { params }) {
  document.title = 'Your orders · shop';
  if (!session.user) { go('/login', { next: '/orders' }); return; }
  mount(page, loading('Loading your orders…'));
  const at = Number(params.get('page')) || 1;
  const load = async () => {
    try {
      const { data, meta } = await get('/orders', { query: { page: at, limit: PAGE_SIZE } });
      const pages = Math.max(1, Math.ceil(meta.total / meta.limit));
      mount(page, h('h1', { text: 'Your orders' }), data.length
        ? [h('ul', { class: 'orders' }, data.map((o) => h('li', {},
          h('a', { class: 'order-row', href: `#/orders/${o.id}`, dataset: { orderId: o.id } },
            h('span', { class: 'order-id', text: `Order ${o.id.slice(0, 8)}` }),
            h('span', { class: 'muted', text: when(o.createdAt) }),
            h('span', { text: `${o.items.reduce((n, i) => n + i.quantity, 0)} items` }),
            h('strong', { text: money(o.total) }), statusBadge(o.status))))),
          pages > 1 ? h('nav', { class: 'pager', 'aria-label': 'Pages' },
            at > 1 ? h('a', { class: 'btn', href: href('/orders', { page: at - 1 }), text: '← Newer' }) : h('span'),
            h('span', { class: 'muted', text: `Page ${at} of ${pages}` }),
            at < pages ? h('a', { class: 'btn', href: href('/orders', { page: at + 1 }), text: 'Older →' }) : h('span')) : null]
        : emptyState('No orders yet', 'Your orders will appear here.', h('a', { class: 'btn btn-primary', href: '#/', text: 'Start shopping' })));
    } catch (error) {
      if (error.status === 401) { go('/login', { next: '/orders' }); return; }
      mount(page, errorPanel(error, load));
    }
  };
  load();
}

const HEADLINES = {
  CONFIRMED: 'Thank you! Your order is confirmed.',
  FAILED: 'This order did not go through. Nothing was charged.',
  PENDING: 'Your order is being processed.',
};

export function orderPage(page, { args, params }) {
  document.title = 'Order · shop';
  if (!session.user) { go('/login', { next: `/orders/${args.id}` }); return; }
  mount(page, loading('Loading order…'));
  const load = async () => {
    let order;
    let names;
    try {
      order = (await get(`/orders/${encodeURIComponent(args.id)}`)).data;
      names = await productNames(order.items.map((i) => i.productId));
    } catch (error) {
      if (error.status === 401) { go('/login', { next: `/orders/${args.id}` }); return; }
      mount(page, error.status === 404 ? emptyState('Order not found', null, h('a', { class: 'btn', href: '#/orders', text: 'Your orders' })) : errorPanel(error, load));
      return;
    }
    document.title = `Order ${order.id.slice(0, 8)} · shop`;
    const cancel = CANCELLABLE.has(order.status) ? h('button', { class: 'btn', type: 'button', id: 'cancel-order', text: 'Cancel order', onclick: async () => {
      if (!window.confirm('Cancel this order? Its items go back on sale.')) return;
      cancel.disabled = true;
      try {
        await post(`/orders/${order.id}/cancel`);
        toast('Order cancelled', 'ok');
        load();
      } catch (error) {
        toast(error.message, 'error');
        cancel.disabled = false;
      }
    } }) : null;
    const headline = params.get('placed') ? HEADLINES[order.status] : null;
    mount(page,
      headline ? h('div', { class: `panel ${order.status === 'CONFIRMED' ? 'panel-ok' : 'panel-error'}`, role: 'status', id: 'order-headline', text: headline }) : null,
      h('div', { class: 'page-head' }, h('h1', { text: `Order ${order.id.slice(0, 8)}` }), statusBadge(order.status)),
      h('p', { class: 'muted', text: `Placed ${when(order.createdAt)}` }),
      h('div', { class: 'two-col' },
        h('section', { class: 'panel' }, h('h2', { text: 'Items' }),
          h('ul', { class: 'summary-lines' }, order.items.map((i) => h('li', {},
            h('a', { href: `#/product/${encodeURIComponent(i.productId)}`, text: `${i.quantity} × ${names.get(i.productId)}` }),
            h('span', { text: money(i.unitPrice * i.quantity) })))),
          h('div', { class: 'summary-row' }, h('span', { text: 'Total' }), h('strong', { id: 'order-total', text: money(order.total) }))),
        h('section', { class: 'panel' }, h('h2', { text: 'Shipping to' }),
          h('p', { text: order.shippingAddress ? addressText(order.shippingAddress) : '—' }),
          order.statusHistory?.length ? [h('h2', { text: 'History' }), h('ol', { class: 'history' },
            order.statusHistory.map((s) => h('li', {}, statusBadge(s.toStatus), ' ', h('span', { class: 'muted small', text: when(s.at) }))))] : null,
          h('div', { class: 'actions' }, cancel, h('a', { class: 'btn btn-ghost', href: '#/orders', text: 'All orders' })))));
  };
  load();
}
