// The admin console at /admin: sign in, check the role with the API itself, then one tab
// per resource. Whoever is not an admin gets a 403 page, whatever the page script believes.

import { get, signIn, signOut } from './api.js';
import { errorPanel, field, formData, h, loading, mount } from './dom.js';
import { submitting } from './pages/account.js';
import { ordersTab } from './admin/orders.js';
import { productsTab } from './admin/products.js';
import { usersTab } from './admin/users.js';
import { currentRoute, match, startRouter } from './router.js';
import { session } from './session.js';

const TABS = [['/products', productsTab], ['/orders', ordersTab], ['/users', usersTab], ['/', productsTab]];
const main = document.getElementById('main');
const nav = document.getElementById('admin-nav');
const logout = document.getElementById('admin-logout');
let verified = null; // the user id whose admin role the API confirmed

function signInPage() {
  document.title = 'Sign in · shop admin';
  const form = h('form', { class: 'panel auth-form', 'aria-labelledby': 'admin-login-title' },
    h('h1', { id: 'admin-login-title', text: 'Admin sign in' }),
    field('Email', h('input', { name: 'email', type: 'email', required: true, autocomplete: 'username' })),
    field('Password', h('input', { name: 'password', type: 'password', required: true, autocomplete: 'current-password' })),
    h('div', { class: 'form-status' }),
    h('button', { class: 'btn btn-primary btn-large', type: 'submit', text: 'Sign in' }));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const { email, password } = formData(form);
    submitting(form, async () => { await signIn(email, password); render(); });
  });
  mount(main, h('div', { class: 'narrow' }, form));
}

function refusedPage() {
  document.title = '403 · shop admin';
  nav.hidden = true;
  mount(main, h('section', { class: 'empty refused', id: 'forbidden' },
    h('p', { class: 'big-code', text: '403' }),
    h('h1', { text: 'Admins only' }),
    h('p', { class: 'muted', text: `You are signed in as ${session.user?.email ?? 'a shopper'}, which is not an admin account.` }),
    h('div', { class: 'actions' }, h('a', { class: 'btn btn-primary', href: '/', text: 'Back to the shop' }),
      h('button', { class: 'btn', type: 'button', text: 'Sign in as someone else', onclick: async () => { await signOut(); render(); } }))));
}

async function verifyAdmin() {
  if (verified === session.user?.id) return true;
  try {
    await get('/users', { query: { page: 1, limit: 1 } });
    verified = session.user?.id ?? null;
    return true;
  } catch (error) {
    if (error.status === 403) return false;
    throw error;
  }
}

async function render() {
  logout.hidden = !session.user;
  if (!session.user) { nav.hidden = true; signInPage(); return; }
  mount(main, loading('Checking your access…'));
  try {
    if (!(await verifyAdmin())) { refusedPage(); return; }
  } catch (error) {
    if (!session.user) { signInPage(); return; }
    mount(main, errorPanel(error, render));
    return;
  }
  const { path, params } = currentRoute();
  const [tab] = match(TABS, path);
  nav.hidden = false;
  for (const link of nav.querySelectorAll('a')) {
    const on = path.startsWith(`/${link.dataset.tab}`) || (path === '/' && link.dataset.tab === 'products');
    if (on) link.setAttribute('aria-current', 'page'); else link.removeAttribute('aria-current');
  }
  const page = h('div', { class: 'page' });
  mount(main, page);
  (tab ?? productsTab)(page, { params });
}

logout.addEventListener('click', async () => { await signOut(); verified = null; render(); });
session.onChange((next) => { if (!next) { verified = null; render(); } });
startRouter(render);
