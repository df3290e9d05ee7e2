// Orders: filter by status, and move an order along the legal transitions only.

import { get, patch } from '../api.js';
import { emptyState, errorPanel, h, loading, money, mount, statusBadge, toast, when } from '../dom.js';
import { go, href } from '../router.js';

const STATUSES = ['PENDING', 'CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED', 'FAILED'];
// The contract's moves an admin may make; PENDING -> CONFIRMED is the payment's alone.
const NEXT = {
  PENDING: ['CANCELLED', 'FAILED'],
  CONFIRMED: ['SHIPPED', 'CANCELLED'],
  SHIPPED: ['DELIVERED'],
};
const PAGE_SIZE = 20;

function mover(order, reload) {
  const moves = NEXT[order.status] ?? [];
  if (!moves.length) return h('span', { class: 'muted small', text: 'Final' });
  const select = h('select', { 'aria-label': `New status for order ${order.id.slice(0, 8)}` },
    moves.map((s) => h('option', { value: s, text: s })));
  const apply = h('button', { class: 'btn btn-small', type: 'button', text: 'Move', onclick: async () => {
    apply.disabled = true;
    try {
      await patch(`/orders/${order.id}/status`, { status: select.value });
      toast(`Order ${order.id.slice(0, 8)} is now ${select.value}`, 'ok');
      reload();
    } catch (error) {
      toast(error.message, 'error');
      apply.disabled = false;
    }
  } });
  return h('div', { class: 'stock-control' }, select, apply);
}

export function ordersTab(page, { params }) {
  document.title = 'Orders · shop admin';
  const status = params.get('status') ?? '';
  const at = Number(params.get('page')) || 1;
  const filter = h('select', { 'aria-label': 'Filter by status', onchange: (e) => go('/orders', { status: e.target.value }) },
    h('option', { value: '', text: 'All statuses' }), STATUSES.map((s) => h('option', { value: s, text: s, selected: s === status })));
  const body = h('div', { 'aria-live': 'polite' });
  const reload = async () => {
    mount(body, loading('Loading orders…'));
    try {
      const { data, meta } = await get('/orders', { query: { status, page: at, limit: PAGE_SIZE } });
      const pages = Math.max(1, Math.ceil(meta.total / meta.limit));
      mount(body, data.length ? [h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
        h('thead', {}, h('tr', {}, ['Order', 'Placed', 'Customer', 'Total', 'Status', 'Move to'].map((t) => h('th', { scope: 'col', text: t })))),
        h('tbody', {}, data.map((o) => h('tr', { dataset: { orderId: o.id } },
          h('td', { class: 'mono', text: o.id.slice(0, 8) }), h('td', { text: when(o.createdAt) }),
          h('td', { class: 'mono small', text: o.userId.slice(0, 8) }), h('td', { text: money(o.total) }),
          h('td', {}, statusBadge(o.status)), h('td', {}, mover(o, reload))))))),
      pages > 1 ? h('nav', { class: 'pager', 'aria-label': 'Pages' },
        at > 1 ? h('a', { class: 'btn', href: href('/orders', { status, page: at - 1 }), text: '← Previous' }) : h('span'),
        h('span', { class: 'muted', text: `Page ${at} of ${pages} · ${meta.total} orders` }),
        at < pages ? h('a', { class: 'btn', href: href('/orders', { status, page: at + 1 }), text: 'Next →' }) : h('span')) : null]
        : emptyState('No orders', status ? `No order is ${status} right now.` : 'Orders will appear here.'));
    } catch (error) {
      mount(body, errorPanel(error, reload));
    }
  };
  mount(page, h('div', { class: 'page-head' }, h('h1', { text: 'Orders' })), h('div', { class: 'toolbar' }, filter), body);
  reload();
}
