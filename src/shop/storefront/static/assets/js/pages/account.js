// Sign in, register, and the account page: profile, addresses, sign out.

import { ApiError, del, get, patch, post, signIn, signOut } from '../api.js';
import { emptyState, errorPanel, field, formData, h, loading, mount, showFieldErrors, toast } from '../dom.js';
import { go } from '../router.js';
import { session } from '../session.js';
import { addressFields, addressText } from './checkout.js';

function nextPath(params) {
  const next = params.get('next') ?? '';
  return next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

/** Disables the form while `work` runs and shows its error, field by field where it can. */
export async function submitting(form, work) {
  const button = form.querySelector('[type=submit]');
  const status = form.querySelector('.form-status');
  button.disabled = true;
  mount(status);
  try {
    await work();
  } catch (error) {
    const unplaced = showFieldErrors(form, error);
    if (!(error instanceof ApiError) || unplaced.length || !error.errors.length) {
      mount(status, h('p', { class: 'panel panel-error', role: 'alert', text: error.message }));
    }
  } finally {
    button.disabled = false;
  }
}

export function loginPage(page, { params }) {
  document.title = 'Sign in · shop';
  const form = h('form', { class: 'panel auth-form', 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title', text: 'Sign in' }),
    field('Email', h('input', { name: 'email', type: 'email', required: true, autocomplete: 'email' })),
    field('Password', h('input', { name: 'password', type: 'password', required: true, autocomplete: 'current-password' })),
    h('div', { class: 'form-status' }),
    h('button', { class: 'btn btn-primary btn-large', type: 'submit', text: 'Sign in' }),
    h('p', { class: 'muted' }, 'New here? ', h('a', { href: `#/register?next=${encodeURIComponent(nextPath(params))}`, text: 'Create an account' })));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const { email, password } = formData(form);
    submitting(form, async () => {
      const user = await signIn(email, password);
      toast(`Welcome back, ${user.name}`, 'ok');
      go(nextPath(params));
    });
  });
  mount(page, h('div', { class: 'narrow' }, form));
  if (session.user) go(nextPath(params));
}

export function registerPage(page, { params }) {
  document.title = 'Create an account · shop';
  const form = h('form', { class: 'panel auth-form', 'aria-labelledby': 'register-title' },
    h('h1', { id: 'register-title', text: 'Create an account' }),
    field('Name', h('input', { name: 'name', required: true, autocomplete: 'name' })),
    field('Email', h('input', { name: 'email', type: 'email', required: true, autocomplete: 'email' })),
    field('Password', h('input', { name: 'password', type: 'password', required: true, minlength: 8, autocomplete: 'new-password' }), 'At least 8 characters.'),
    h('div', { class: 'form-status' }),
    h('button', { class: 'btn btn-primary btn-large', type: 'submit', text: 'Create account' }),
    h('p', { class: 'muted' }, 'Have an account? ', h('a', { href: `#/login?next=${encodeURIComponent(nextPath(params))}`, text: 'Sign in' })));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const values = formData(form);
    submitting(form, async () => {
      await post('/auth/register', values, { auth: false });
      await signIn(values.email, values.password);
      toast(`Welcome to shop, ${values.name}`, 'ok');
      go(nextPath(params));
    });
  });
  mount(page, h('div', { class: 'narrow' }, form));
}

function profileForm(user) {
  const form = h('form', { class: 'panel' }, h('h2', { text: 'Profile' }),
    h('p', { class: 'muted', text: user.email }),
    field('Name', h('input', { name: 'name', value: user.name ?? '', required: true, autocomplete: 'name' })),
    field('Phone (optional)', h('input', { name: 'phone', type: 'tel', value: user.phone ?? '', autocomplete: 'tel' })),
    h('div', { class: 'form-status' }),
    h('button', { class: 'btn', type: 'submit', text: 'Save profile' }));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const { name, phone } = formData(form);
    submitting(form, async () => {
      const { data } = await patch('/users/me', phone ? { name, phone } : { name });
      session.updateUser({ name: data.name });
      toast('Profile saved', 'ok');
    });
  });
  return form;
}

function addressesPanel(addresses, reload) {
  const form = h('form', { class: 'address-form', hidden: true }, h('h3', { text: 'New address' }), addressFields(),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'isDefault' }), h('span', { text: 'Use as my default address' })),
    h('div', { class: 'form-status' }),
    h('div', { class: 'actions' }, h('button', { class: 'btn btn-primary', type: 'submit', text: 'Save address' }),
      h('button', { class: 'btn btn-ghost', type: 'button', text: 'Cancel', onclick: () => { form.hidden = true; } })));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const values = Object.fromEntries(Object.entries(formData(form)).filter(([, v]) => v.trim() !== ''));
    submitting(form, async () => {
      await post('/users/me/addresses', { ...values, isDefault: values.isDefault === 'on' });
      toast('Address saved', 'ok');
      reload();
    });
  });
  const act = (label, work) => h('button', { class: 'btn btn-ghost btn-small', type: 'button', text: label, onclick: async () => {
    try { await work(); reload(); } catch (error) { toast(error.message, 'error'); }
  } });
  return h('section', { class: 'panel' }, h('h2', { text: 'Addresses' }),
    addresses.length ? h('ul', { class: 'addresses' }, addresses.map((a) => h('li', {},
      h('span', { text: addressText(a) }), a.isDefault ? h('span', { class: 'tag', text: 'Default' }) : null,
      h('span', { class: 'actions' },
        a.isDefault ? null : act('Make default', () => patch(`/users/me/addresses/${a.id}`, { isDefault: true })),
        act('Delete', () => del(`/users/me/addresses/${a.id}`))))))
      : emptyState('No saved addresses', 'Add one now or at checkout.'),
    h('button', { class: 'btn', type: 'button', text: 'Add an address', onclick: () => { form.hidden = false; form.querySelector('input').focus(); } }),
    form);
}

export function accountPage(page) {
  document.title = 'Your account · shop';
  if (!session.user) { go('/login', { next: '/account' }); return; }
  mount(page, loading('Loading your account…'));
  const load = async () => {
    try {
      const [{ data: user }, { data: addresses }] = await Promise.all([get('/users/me'), get('/users/me/addresses')]);
      const logout = h('button', { class: 'btn', type: 'button', id: 'logout', text: 'Sign out', onclick: async () => {
        logout.disabled = true;
        await signOut();
        toast('You are signed out', 'info');
        go('/');
      } });
      mount(page, h('div', { class: 'page-head' }, h('h1', { text: `Hello, ${user.name}` }),
        h('div', { class: 'actions' }, h('a', { class: 'btn', href: '#/orders', text: 'Your orders' }), logout)),
      h('div', { class: 'two-col' }, profileForm(user), addressesPanel(addresses, load)));
    } catch (error) {
      if (error.status === 401) { go('/login', { next: '/account' }); return; }
      mount(page, errorPanel(error, load));
    }
  };
  load();
}
