// Users: the paginated list.

import { get } from '../api.js';
import { emptyState, errorPanel, h, loading, mount, when } from '../dom.js';
import { href } from '../router.js';

const PAGE_SIZE = 20;

export function usersTab(page, { params }) {
  document.title = 'Users · shop admin';
  const at = Number(params.get('page')) || 1;
  mount(page, h('div', { class: 'page-head' }, h('h1', { text: 'Users' })), loading('Loading users…'));
  const load = async () => {
    try {
      const { data, meta } = await get('/users', { query: { page: at, limit: PAGE_SIZE } });
      const pages = Math.max(1, Math.ceil(meta.total / meta.limit));
      mount(page, h('div', { class: 'page-head' }, h('h1', { text: 'Users' }), h('span', { class: 'muted', text: `${meta.total} accounts` })),
        data.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
          h('thead', {}, h('tr', {}, ['Name', 'Email', 'Role', 'Joined'].map((t) => h('th', { scope: 'col', text: t })))),
          h('tbody', {}, data.map((u) => h('tr', {}, h('td', { text: u.name }), h('td', { text: u.email }),
            h('td', {}, h('span', { class: `tag${u.role === 'admin' ? ' tag-admin' : ''}`, text: u.role })), h('td', { text: when(u.createdAt) }))))))
          : emptyState('No users yet'),
        pages > 1 ? h('nav', { class: 'pager', 'aria-label': 'Pages' },
          at > 1 ? h('a', { class: 'btn', href: href('/users', { page: at - 1 }), text: '← Previous' }) : h('span'),
          h('span', { class: 'muted', text: `Page ${at} of ${pages}` }),
          at < pages ? h('a', { class: 'btn', href: href('/users', { page: at + 1 }), text: 'Next →' }) : h('span')) : null);
    } catch (error) {
      mount(page, errorPanel(error, load));
    }
  };
  load();
}
