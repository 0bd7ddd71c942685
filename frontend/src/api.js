// The public REST API, called with the user's key in the X-API-Key header. The key lives in sessionStorage only (gone
// when the tab closes) and is never put in a URL.
import { queryString } from './dom.js';

const KEY = 'registry.api_key';

export const apiKey = {
  get: () => sessionStorage.getItem(KEY),
  set: (key) => sessionStorage.setItem(KEY, key),
  clear: () => sessionStorage.removeItem(KEY),
};

/** The API's base, relative to the page, so the UI works under a path base or behind a proxy too. */
const base = new URL('../api/v1/', document.baseURI);

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

/**
 * GET (or a read-only POST such as validate) of an API path such as `features/x/lineage`, with a query object
 * (arrays become repeated parameters). Resolves to the parsed JSON; rejects with ApiError carrying the problem document.
 */
export async function api(path, { query, method = 'GET', signal } = {}) {
  const key = apiKey.get();
  if (!key) throw new ApiError(401, { title: 'An API key is required.', detail: 'Enter your API key above.' });
  const qs = queryString(query);
  const url = new URL(path + (qs ? `?${qs}` : ''), base);
  const response = await fetch(url, {
    method,
    signal,
    headers: { 'X-API-Key': key, Accept: 'application/json' },
    credentials: 'omit',
    cache: 'no-store',
  });
  const type = response.headers.get('content-type') ?? '';
  const body = type.includes('json') ? await response.json() : await response.text();
  if (!response.ok) {
    if (response.status === 401) window.dispatchEvent(new CustomEvent('registry:unauthorized'));
    throw new ApiError(response.status, typeof body === 'object' ? body : { title: body });
  }
  return body;
}

/** Names of path segments, encoded: `path('features', name, 'lineage')`. */
export function path(...segments) {
  return segments.map(encodeURIComponent).join('/');
}
