// The only way this app builds DOM: elements and text nodes. User-supplied strings (names, descriptions, tags, code,
// owners, model names) only ever become text nodes or attribute values; nothing is parsed as HTML, and the page's
// Content-Security-Policy (Trusted Types) makes any HTML sink throw.

/**
 * h('a', { href: '#/x', class: 'link' }, 'text', child, [more]) → an element. Attributes are set with setAttribute
 * (on: { click: fn } adds listeners); children are nodes or strings (text nodes); null, undefined and false are skipped.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'on') {
      for (const [event, handler] of Object.entries(value)) el.addEventListener(event, handler);
    } else if (name === 'value' && 'value' in el) {
      el.value = value;
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replaces the element's content. */
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** A link inside the app: the path segments are URI-encoded, so a name can never change the route. */
export function link(text, segments, query, attrs = {}) {
  return h('a', { href: href(segments, query), ...attrs }, text);
}

export function href(segments, query) {
  const path = '#/' + segments.map(encodeURIComponent).join('/');
  const qs = queryString(query);
  return qs ? `${path}?${qs}` : path;
}

export function queryString(query) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (v !== undefined && v !== null && v !== '') params.append(key, String(v));
    }
  }
  return params.toString();
}

export function statusBadge(status) {
  return h('span', { class: `status status-${status}` }, status);
}

export function table(headers, rows, attrs = {}) {
  return h('div', { class: 'table-scroll' }, h('table', attrs,
    h('thead', {}, h('tr', {}, headers.map((header) => h('th', { scope: 'col' }, header)))),
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((cell) => h('td', {}, cell)))))));
}

/** A definition list from [term, description] pairs; pairs with an undefined description are left out. */
export function facts(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter(([, d]) => d !== undefined).map(([t, d]) => [h('dt', {}, t), h('dd', {}, d ?? '—')]));
}

export function json(value) {
  return h('pre', { class: 'json' }, h('code', {}, JSON.stringify(value, null, 2)));
}

export function when(value) {
  if (!value) return '—';
  return h('time', { datetime: value, title: value }, value.replace('T', ' ').replace(/(\.\d+)?(Z|\+00:00)$/, ' UTC'));
}

export function number(value, digits = 4) {
  if (value === null || value === undefined) return '—';
  return typeof value === 'number' ? String(Number(value.toFixed(digits))) : String(value);
}

export function section(title, ...children) {
  return h('section', { class: 'panel' }, h('h2', {}, title), ...children);
}

/** A message for screen readers and eyes: errors and empty states. */
export function notice(text, kind = 'info') {
  return h('p', { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}
