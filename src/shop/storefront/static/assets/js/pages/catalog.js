// The catalog: the API's own filters (search, category, price, in stock, sort, page), all
// held in the URL so a result page can be shared or bookmarked.

import { catalog } from '../api.js';
import { cart } from '../cart.js';
import { centsToText, emptyState, errorPanel, h, money, mount, stockLabel, thumb, toCents, toast } from '../dom.js';
import { go, href } from '../router.js';

const PAGE_SIZE = 12;
const SORTS = [
  ['createdAt:desc', 'Newest'],
  ['price:asc', 'Price: low to high'],
  ['price:desc', 'Price: high to low'],
  ['name:asc', 'Name: A to Z'],
];
let knownCategories = null;
const NARROW = matchMedia('(max-width: 820px)');
let shownFold = null;
NARROW.addEventListener('change', (event) => { if (shownFold) shownFold.open = !event.matches; });

async function categories() {
  if (!knownCategories) {
    const { data } = await catalog({ limit: 100, sortBy: 'name', sortOrder: 'asc' });
    knownCategories = [...new Set(data.map((p) => p.category))].sort();
  }
  return knownCategories;
}

export function productCard(product) {
  const add = h('button', {
    class: 'btn btn-primary btn-small', type: 'button', disabled: product.stock <= 0,
    'aria-label': `Add ${product.name} to cart`,
    onclick: () => { cart.add(product.id, 1); toast(`${product.name} added to your cart`, 'ok'); },
  }, product.stock > 0 ? 'Add to cart' : 'Sold out');
  return h('article', { class: 'card product-card', dataset: { productId: product.id } },
    h('a', { class: 'card-link', href: `#/product/${encodeURIComponent(product.id)}` },
      thumb(product),
      h('h3', { class: 'card-title', text: product.name })),
    h('p', { class: 'muted small', text: product.category }),
    h('div', { class: 'card-foot' },
      h('span', { class: 'price', text: money(product.price) }), stockLabel(product)),
    add);
}

function filters(params) {
  const form = h('form', { class: 'filters', 'aria-label': 'Filter products' });
  const category = h('select', { name: 'category' }, h('option', { value: '', text: 'All categories' }));
  // The API lists no categories: those of the first hundred products, and the chosen one.
  categories().then((found) => {
    const chosen = params.get('category');
    const names = chosen && !found.includes(chosen) ? [...found, chosen].sort() : found;
    for (const name of names) category.append(h('option', { value: name, text: name, selected: params.get('category') === name }));
  }).catch(() => {});
  const min = h('input', { name: 'minPrice', inputmode: 'decimal', placeholder: 'Min $', value: centsToText(num(params.get('minPrice'))), 'aria-label': 'Minimum price in dollars' });
  const max = h('input', { name: 'maxPrice', inputmode: 'decimal', placeholder: 'Max $', value: centsToText(num(params.get('maxPrice'))), 'aria-label': 'Maximum price in dollars' });
  const inStock = h('input', { type: 'checkbox', name: 'inStock', checked: params.get('inStock') === 'true' });
  const current = `${params.get('sortBy') ?? 'createdAt'}:${params.get('sortOrder') ?? 'desc'}`;
  const sort = h('select', { name: 'sort', 'aria-label': 'Sort by' },
    SORTS.map(([value, label]) => h('option', { value, text: label, selected: value === current })));
  const apply = () => {
    const [sortBy, sortOrder] = sort.value.split(':');
    go('/', {
      searchTerm: params.get('searchTerm'),
      category: category.value,
      minPrice: toCents(min.value) ?? undefined,
      maxPrice: toCents(max.value) ?? undefined,
      inStock: inStock.checked ? 'true' : undefined,
      sortBy: sortBy === 'createdAt' ? undefined : sortBy,
      sortOrder: sortBy === 'createdAt' && sortOrder === 'desc' ? undefined : sortOrder,
    });
  };
  form.addEventListener('submit', (event) => { event.preventDefault(); apply(); });
  category.addEventListener('change', apply);
  sort.addEventListener('change', apply);
  inStock.addEventListener('change', apply);
  form.append(
    h('label', { class: 'filter' }, h('span', { text: 'Category' }), category),
    h('fieldset', { class: 'filter price-range' }, h('legend', { text: 'Price' }), min, h('span', { text: '–', 'aria-hidden': 'true' }), max,
      h('button', { class: 'btn btn-small', type: 'submit', text: 'Apply' })),
    h('label', { class: 'filter check' }, inStock, h('span', { text: 'In stock only' })),
    h('label', { class: 'filter' }, h('span', { text: 'Sort' }), sort));
  return form;
}

const num = (value) => (value === null || value === '' || Number.isNaN(Number(value)) ? null : Number(value));

function pager(params, meta) {
  const pages = Math.max(1, Math.ceil(meta.total / meta.limit));
  if (pages <= 1) return null;
  const at = meta.page;
  const link = (page, label, rel) => h('a', { class: 'btn', href: href('/', { ...Object.fromEntries(params), page }), rel, text: label });
  return h('nav', { class: 'pager', 'aria-label': 'Pages' },
    at > 1 ? link(at - 1, '← Previous', 'prev') : h('span'),
    h('span', { class: 'muted', text: `Page ${at} of ${pages}` }),
    at < pages ? link(at + 1, 'Next →', 'next') : h('span'));
}

export function catalogPage(page, { params }) {
  const term = params.get('searchTerm');
  document.title = term ? `“${term}” · shop` : 'shop';
  const results = h('section', { class: 'results', 'aria-live': 'polite', 'aria-busy': 'true' });
  const category = params.get('category');
  const title = category ? category.charAt(0).toUpperCase() + category.slice(1) : 'All products';
  const heading = h('h1', { text: term ? `Results for “${term}”` : title });
  // On a phone the filters fold away under one summary line, open on a wide screen.
  const folded = h('details', { class: 'filter-fold', open: !NARROW.matches },
    h('summary', { text: 'Filters and sorting' }), filters(params));
  shownFold = folded;
  mount(page, h('div', { class: 'catalog' }, h('aside', { class: 'sidebar' }, folded),
    h('div', {}, h('div', { class: 'results-head' }, heading, h('span', { class: 'muted', id: 'result-count' })), results)));
  mount(results, h('div', { class: 'grid' }, Array.from({ length: 6 }, () => h('div', { class: 'card skeleton', 'aria-hidden': 'true' }))));
  const query = {
    searchTerm: term, category: params.get('category'), minPrice: params.get('minPrice'),
    maxPrice: params.get('maxPrice'), inStock: params.get('inStock'), sortBy: params.get('sortBy'),
    sortOrder: params.get('sortOrder'), page: params.get('page'), limit: PAGE_SIZE,
  };
  const load = async () => {
    results.setAttribute('aria-busy', 'true');
    try {
      const { data, meta } = await catalog(query);
      page.querySelector('#result-count').textContent = `${meta.total} product${meta.total === 1 ? '' : 's'}`;
      mount(results, data.length
        ? [h('div', { class: 'grid' }, data.map(productCard)), pager(params, meta)]
        : emptyState('No products match', 'Try another search or fewer filters.', h('a', { class: 'btn', href: '#/', text: 'Clear filters' })));
    } catch (error) {
      mount(results, errorPanel(error, load));
    } finally {
      results.setAttribute('aria-busy', 'false');
    }
  };
  load();
}
