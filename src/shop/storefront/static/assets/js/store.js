// The storefront: the header (search, account, cart count) and one page per hash route.

import { cart } from './cart.js';
import { h, mount } from './dom.js';
import { accountPage, loginPage, registerPage } from './pages/account.js';
import { cartPage } from './pages/cart.js';
import { catalogPage } from './pages/catalog.js';
import { checkoutPage } from './pages/checkout.js';
import { orderPage, ordersPage } from './pages/orders.js';
import { productPage } from './pages/product.js';
import { currentRoute, go, match, startRouter } from './router.js';
import { session } from './session.js';

const ROUTES = [
  ['/', catalogPage],
  ['/product/:id', productPage],
  ['/cart', cartPage],
  ['/checkout', checkoutPage],
  ['/login', loginPage],
  ['/register', registerPage],
  ['/account', accountPage],
  ['/orders', ordersPage],
  ['/orders/:id', orderPage],
];

function notFound(page) {
  document.title = 'Not found · shop';
  mount(page, h('section', { class: 'empty' },
    h('h1', { text: 'Page not found' }),
    h('p', { class: 'muted', text: 'That page does not exist.' }),
    h('a', { class: 'btn btn-primary', href: '#/', text: 'Back to the shop' })));
}

function renderHeader() {
  const user = session.user;
  const account = document.getElementById('nav-account');
  account.textContent = user ? user.name || 'Account' : 'Sign in';
  account.href = user ? '#/account' : '#/login';
  document.getElementById('nav-orders').hidden = !user;
  const count = cart.count();
  const badge = document.getElementById('cart-count');
  badge.textContent = String(count);
  badge.setAttribute('aria-label', `${count} item${count === 1 ? '' : 's'} in cart`);
  const { path, params } = currentRoute();
  const input = document.getElementById('search-input');
  if (document.activeElement !== input) input.value = path === '/' ? params.get('searchTerm') ?? '' : '';
}

let firstRender = true;

function render(route) {
  const main = document.getElementById('main');
  const [handler, args] = match(ROUTES, route.path);
  const page = h('div', { class: 'page' });
  mount(main, page);
  renderHeader();
  (handler ?? notFound)(page, { args, params: route.params });
  if (!firstRender) main.focus({ preventScroll: true });
  firstRender = false;
  window.scrollTo(0, 0);
}

document.getElementById('search-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const term = document.getElementById('search-input').value.trim();
  const { path, params } = currentRoute();
  const keep = path === '/' ? Object.fromEntries(params) : {};
  go('/', { ...keep, searchTerm: term, page: undefined });
});

cart.onChange(renderHeader);
session.onChange(renderHeader);
startRouter(render);
