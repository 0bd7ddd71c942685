// The catalogue: the API's own filters (search, feature_type, status, owner, tags), paged, status at a glance.
import { api } from '../api.js';
import { h, fill, link, statusBadge, notice, queryString } from '../dom.js';

export const FEATURE_TYPES = ['technical_indicator', 'fundamental', 'sentiment', 'macro_economic', 'derived', 'raw'];
export const STATUSES = ['draft', 'active', 'deprecated', 'archived'];
const PAGE = 50;

/** Comma-separated tags as the list the API takes (all of them must match). */
export function splitList(text) {
  return (text ?? '').split(',').map((t) => t.trim()).filter(Boolean);
}

export async function cataloguePage(query, signal) {
  const state = {
    search: query.get('search') ?? '',
    feature_type: query.get('feature_type') ?? '',
    status: query.get('status') ?? '',
    owner: query.get('owner') ?? '',
    tags: query.get('tags') ?? '',
    skip: Math.max(0, Number.parseInt(query.get('skip') ?? '0', 10) || 0),
  };
  const results = h('div', { id: 'results', 'aria-live': 'polite' });
  const field = (label, control) => h('label', { class: 'field' }, label, control);
  const search = h('input', { type: 'search', name: 'search', value: state.search, placeholder: 'name or description', autocomplete: 'off' });
  const type = h('select', { name: 'feature_type' }, h('option', { value: '' }, 'any type'), FEATURE_TYPES.map((t) => h('option', { value: t }, t)));
  const status = h('select', { name: 'status' }, h('option', { value: '' }, 'any status (not archived)'), STATUSES.map((s) => h('option', { value: s }, s)));
  const owner = h('input', { type: 'text', name: 'owner', value: state.owner, placeholder: 'quant-team' });
  const tags = h('input', { type: 'text', name: 'tags', value: state.tags, placeholder: 'momentum, technical' });
  type.value = state.feature_type;
  status.value = state.status;

  let inFlight = null;
  let timer = 0;
  /** Fetches and renders one page; a newer search aborts an older one still in flight. */
  const load = async () => {
    inFlight?.abort();
    const controller = new AbortController();
    inFlight = controller;
    signal.addEventListener('abort', () => controller.abort(), { once: true });
    const started = performance.now();
    const params = {
      search: state.search || undefined,
      feature_type: state.feature_type || undefined,
      status: state.status || undefined,
      owner: state.owner || undefined,
      tags: splitList(state.tags),
      skip: state.skip || undefined,
      limit: PAGE,
    };
    // The filters live in the address (never the key), so a search can be bookmarked and shared.
    const qs = queryString({ ...params, tags: state.tags || undefined, limit: undefined });
    history.replaceState(null, '', qs ? `#/?${qs}` : '#/');
    try {
      const page = await api('features', { query: params, signal: controller.signal });
      if (controller.signal.aborted) return;
      fill(results, resultTable(page, state, () => { state.skip = Math.max(0, state.skip - PAGE); load(); }, () => { state.skip += PAGE; load(); }));
      results.dataset.searchMs = String(Math.round(performance.now() - started));
    } catch (error) {
      if (error.name === 'AbortError') return;
      fill(results, notice(`The search failed: ${error.message}`, 'error'));
    }
  };
  const changed = (delay) => {
    state.search = search.value.trim();
    state.feature_type = type.value;
    state.status = status.value;
    state.owner = owner.value.trim();
    state.tags = tags.value;
    state.skip = 0;
    clearTimeout(timer);
    timer = setTimeout(load, delay);
  };
  // Typing searches as you go (a short pause first, so each keystroke does not cost a request); Enter searches at once.
  for (const input of [search, owner, tags]) input.addEventListener('input', () => changed(120));
  for (const select of [type, status]) select.addEventListener('change', () => changed(0));
  const form = h('form', { class: 'filters', role: 'search', on: { submit: (e) => { e.preventDefault(); changed(0); } } },
    field('Search', search), field('Type', type), field('Status', status), field('Owner', owner), field('Tags (all of)', tags),
    h('button', { type: 'submit', class: 'primary' }, 'Search'));

  await load();
  return [h('h1', { tabindex: '-1' }, 'Features'), form, results];
}

function resultTable(page, state, previous, next) {
  const { features, total } = page;
  if (features.length === 0) return notice('No feature matches these filters.');
  const first = state.skip + 1;
  const last = state.skip + features.length;
  const rows = features.map((f) => h('tr', {},
    h('td', {}, link(f.feature_name, ['features', f.feature_name], undefined, { class: 'feature-link' })),
    h('td', {}, statusBadge(f.status)),
    h('td', {}, f.feature_type),
    h('td', {}, f.data_type),
    h('td', {}, f.owner),
    h('td', {}, f.tags.map((t) => h('span', { class: 'chip' }, t))),
    h('td', {}, f.current_version),
    h('td', { class: 'description' }, f.description ?? '')));
  return [
    h('p', { class: 'count' }, `${first.toLocaleString('en')}–${last.toLocaleString('en')} of ${total.toLocaleString('en')} features`),
    h('div', { class: 'table-scroll' }, h('table', { class: 'catalogue' },
      h('caption', { class: 'visually-hidden' }, 'Features matching the filters'),
      h('thead', {}, h('tr', {}, ['Name', 'Status', 'Type', 'Data type', 'Owner', 'Tags', 'Version', 'Description'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows))),
    h('div', { class: 'pager' },
      h('button', { type: 'button', disabled: state.skip === 0, on: { click: previous } }, '← Previous'),
      h('button', { type: 'button', disabled: last >= total, on: { click: next } }, 'Next →')),
  ];
}
