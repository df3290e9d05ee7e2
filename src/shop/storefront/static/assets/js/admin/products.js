// Products: create, edit, delete, change stock; the low-stock ones first.

import { del, get, patch, post } from '../api.js';
import { centsToText, emptyState, errorPanel, field, formData, h, loading, money, mount, toCents, toast } from '../dom.js';
import { submitting } from '../pages/account.js';

// The API sorts by price, name or date only; the newest few hundred are sorted here.
const SCAN_PAGES = 5;
const isLow = (p) => p.stock <= (p.lowStockThreshold ?? 0);

async function loadProducts(searchTerm) {
  const found = [];
  let total = 0;
  for (let page = 1; page <= SCAN_PAGES; page += 1) {
    const { data, meta } = await get('/products', { query: { searchTerm, page, limit: 100 }, auth: false });
    found.push(...data);
    total = meta.total;
    if (found.length >= total) break;
  }
  found.sort((a, b) => Number(isLow(b)) - Number(isLow(a)) || (isLow(a) ? a.stock - b.stock : 0));
  return { products: found, total };
}

function productForm(existing, done) {
  const p = existing ?? {};
  const input = (name, attrs = {}) => h('input', { name, ...attrs });
  const form = h('form', { class: 'product-form', method: 'dialog' },
    h('h2', { text: existing ? `Edit ${p.name}` : 'New product' }),
    field('Name', input('name', { required: true, value: p.name ?? '' })),
    field('Description', h('textarea', { name: 'description', rows: 3 }, p.description ?? '')),
    h('div', { class: 'row' },
      field('Price ($)', input('price', { required: true, inputmode: 'decimal', value: centsToText(p.price) })),
      field('Category', input('category', { required: true, value: p.category ?? '' }))),
    h('div', { class: 'row' },
      field('SKU', input('sku', { required: true, value: p.sku ?? '' })),
      existing ? null : field('Stock', input('stock', { type: 'number', min: 0, required: true, value: 0 })),
      field('Low-stock alert at', input('lowStockThreshold', { type: 'number', min: 0, value: p.lowStockThreshold ?? 5 }))),
    field('Attributes (JSON object)', h('textarea', { name: 'attributes', rows: 2 }, JSON.stringify(p.attributes ?? {}))),
    h('div', { class: 'form-status' }),
    h('div', { class: 'actions' }, h('button', { class: 'btn btn-primary', type: 'submit', text: existing ? 'Save changes' : 'Create product' }),
      h('button', { class: 'btn btn-ghost', type: 'button', text: 'Cancel', onclick: () => done(false) })));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const v = formData(form);
    submitting(form, async () => {
      let attributes;
      try { attributes = JSON.parse(v.attributes || '{}'); } catch { throw fieldError('attributes', 'not valid JSON'); }
      const price = toCents(v.price);
      if (price === null) throw fieldError('price', 'an amount like 12.99');
      const body = { name: v.name, description: v.description, price, category: v.category, sku: v.sku,
        lowStockThreshold: Number(v.lowStockThreshold || 0), attributes };
      if (existing) await patch(`/products/${p.id}`, body);
      else await post('/products', { ...body, stock: Number(v.stock || 0) });
      toast(existing ? 'Product saved' : `${v.name} created`, 'ok');
      done(true);
    });
  });
  return form;
}

function fieldError(path, message) {
  return Object.assign(new Error(`${path}: ${message}`), { errors: [{ path, message }] });
}

function openDialog(content) {
  const dialog = h('dialog', { class: 'dialog' }, content);
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

function stockControl(p, reload) {
  const amount = h('input', { type: 'number', class: 'qty', value: 10, 'aria-label': `Units for ${p.name}` });
  const change = (body) => async () => {
    try { await patch(`/products/${p.id}/stock`, body()); toast(`Stock of ${p.name} updated`, 'ok'); reload(); } catch (e) { toast(e.message, 'error'); }
  };
  return h('div', { class: 'stock-control' }, amount,
    h('button', { class: 'btn btn-small', type: 'button', text: 'Add', onclick: change(() => ({ delta: Number(amount.value) })) }),
    h('button', { class: 'btn btn-small btn-ghost', type: 'button', text: 'Set', onclick: change(() => ({ stock: Number(amount.value) })) }));
}

export function productsTab(page, { params }) {
  document.title = 'Products · shop admin';
  const search = h('input', { type: 'search', name: 'q', placeholder: 'Search by name', value: params.get('q') ?? '', 'aria-label': 'Search products' });
  const body = h('div', { 'aria-live': 'polite' });
  const edit = (existing) => {
    const dialog = openDialog(productForm(existing, (changed) => { dialog.close(); if (changed) reload(); }));
  };
  const reload = async () => {
    mount(body, loading('Loading products…'));
    try {
      const { products, total } = await loadProducts(search.value.trim() || undefined);
      if (!products.length) { mount(body, emptyState('No products', 'Create the first one.')); return; }
      mount(body, total > products.length ? h('p', { class: 'muted small', text: `Showing the ${products.length} newest of ${total}; search to narrow.` }) : null,
        h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
          h('thead', {}, h('tr', {}, ['Product', 'Category', 'Price', 'Stock', 'Change stock', ''].map((t) => h('th', { scope: 'col', text: t })))),
          h('tbody', {}, products.map((p) => h('tr', { class: isLow(p) ? 'row-low' : '', dataset: { productId: p.id, sku: p.sku } },
            h('td', {}, h('strong', { text: p.name }), h('br'), h('span', { class: 'muted small', text: p.sku })),
            h('td', { text: p.category }),
            h('td', { text: money(p.price) }),
            h('td', {}, String(p.stock), isLow(p) ? h('span', { class: 'tag tag-warn', text: 'Low' }) : null),
            h('td', {}, stockControl(p, reload)),
            h('td', { class: 'row-actions' },
              h('button', { class: 'btn btn-small', type: 'button', text: 'Edit', onclick: () => edit(p) }),
              h('button', { class: 'btn btn-small btn-danger', type: 'button', text: 'Delete', onclick: async () => {
                if (!window.confirm(`Delete ${p.name}?`)) return;
                try { await del(`/products/${p.id}`); toast(`${p.name} deleted`, 'ok'); reload(); } catch (e) { toast(e.message, 'error'); }
              } }))))))));
    } catch (error) {
      mount(body, errorPanel(error, reload));
    }
  };
  const bar = h('form', { class: 'toolbar' }, search, h('button', { class: 'btn', type: 'submit', text: 'Search' }),
    h('button', { class: 'btn btn-primary', type: 'button', id: 'new-product', text: 'New product', onclick: () => edit(null) }));
  bar.addEventListener('submit', (event) => { event.preventDefault(); reload(); });
  mount(page, h('div', { class: 'page-head' }, h('h1', { text: 'Products' })), bar, body);
  reload();
}
