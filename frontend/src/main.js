// The registry browser: a hash router over read-only pages of the public API.
import { apiKey, ApiError } from './api.js';
import { h, fill, notice } from './dom.js';
import { cataloguePage } from './pages/catalogue.js';
import { featurePage } from './pages/feature.js';
import { featureSetsPage, featureSetPage } from './pages/featureSets.js';
import { snapshotsPage, snapshotPage } from './pages/snapshots.js';

const view = document.getElementById('view');
const keyArea = document.getElementById('key');

/** Routes: #/ (catalogue), #/features/{name}[/{tab}], #/feature-sets[/{name}], #/snapshots[/{id}]. */
function route() {
  const hash = location.hash.replace(/^#\/?/, '');
  const [pathPart, queryPart = ''] = hash.split('?');
  const segments = pathPart.split('/').filter(Boolean).map(decodeURIComponent);
  const query = new URLSearchParams(queryPart);
  const [first, second, third] = segments;
  if (!first || first === 'features' && !second) return { page: cataloguePage, args: [query], nav: 'features' };
  if (first === 'features') return { page: featurePage, args: [second, third ?? 'overview', query], nav: 'features' };
  if (first === 'feature-sets' && !second) return { page: featureSetsPage, args: [query], nav: 'feature-sets' };
  if (first === 'feature-sets') return { page: featureSetPage, args: [second, query], nav: 'feature-sets' };
  if (first === 'snapshots' && !second) return { page: snapshotsPage, args: [query], nav: 'snapshots' };
  if (first === 'snapshots') return { page: snapshotPage, args: [second], nav: 'snapshots' };
  return { page: notFound, args: [], nav: '' };
}

function notFound() {
  return [h('h1', {}, 'Not found'), notice('There is no such page in the registry browser.', 'error')];
}

let current = null;

/** Renders the page the hash names. Each render gets an AbortSignal, aborted when another render starts. */
async function render() {
  current?.abort();
  const controller = new AbortController();
  current = controller;
  const { page, args, nav } = route();
  for (const a of document.querySelectorAll('header nav a')) {
    if (a.dataset.nav === nav) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (!apiKey.get()) {
    fill(view, h('h1', {}, 'Feature Registry'), notice('Enter an API key above to browse the registry. A key with the read scope is enough.'));
    document.getElementById('api-key-input')?.focus();
    return;
  }
  fill(view, notice('Loading…'));
  try {
    const content = await page(...args, controller.signal);
    if (controller.signal.aborted) return;
    fill(view, content);
    view.querySelector('h1')?.focus({ preventScroll: true });
  } catch (error) {
    if (controller.signal.aborted || error.name === 'AbortError') return;
    fill(view, errorView(error));
  }
}

export function errorView(error) {
  if (error instanceof ApiError) {
    const problem = error.problem ?? {};
    const details = Object.entries(problem.errors ?? {}).map(([field, messages]) => h('li', {}, `${field}: ${[messages].flat().join(' ')}`));
    return [h('h1', { tabindex: '-1' }, `${error.status} ${problem.title ?? 'Error'}`),
      problem.detail ? notice(problem.detail, 'error') : null,
      details.length ? h('ul', {}, details) : null];
  }
  return [h('h1', { tabindex: '-1' }, 'Something went wrong'), notice(String(error?.message ?? error), 'error')];
}

/** The key form: entered once per browser session, kept in sessionStorage, sent as X-API-Key. */
function renderKey() {
  if (apiKey.get()) {
    fill(keyArea,
      h('span', { class: 'key-state' }, 'API key set for this session'),
      h('button', { type: 'button', on: { click: () => { apiKey.clear(); renderKey(); render(); } } }, 'Forget key'));
    return;
  }
  const input = h('input', { id: 'api-key-input', type: 'password', autocomplete: 'off', spellcheck: 'false', required: true, placeholder: 'frk_…' });
  const form = h('form', { class: 'key-form', on: { submit: (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) return;
    apiKey.set(key);
    renderKey();
    render();
  } } },
  h('label', { for: 'api-key-input' }, 'API key'), input, h('button', { type: 'submit' }, 'Use key'));
  fill(keyArea, form);
}

window.addEventListener('registry:unauthorized', () => {
  apiKey.clear();
  renderKey();
});
window.addEventListener('hashchange', render);
renderKey();
render();
