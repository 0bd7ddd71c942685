// Versions: a timeline newest first (breaking changes, rollbacks and what they restored marked) and a field-by-field diff.
import { api, path } from '../api.js';
import { h, fill, href, json, when, section, notice, table } from '../dom.js';

export async function versionsTab(feature, query, signal) {
  const name = feature.feature_name;
  const list = await api(path('features', name, 'versions'), { query: { limit: 500 }, signal });
  const versions = list.versions; // newest first by SemVer precedence
  const timeline = h('ol', { class: 'timeline', id: 'version-timeline' }, versions.map((v) => h('li', { class: 'version-entry' },
    h('div', { class: 'version-head' },
      h('strong', {}, v.version),
      v.is_current ? h('span', { class: 'mark mark-current' }, 'current') : null,
      v.breaking_changes ? h('span', { class: 'mark mark-breaking' }, 'breaking') : null,
      v.restored_from ? h('span', { class: 'mark mark-rollback' }, `rollback: restores ${v.restored_from}`) : null,
      v.is_rolled_back ? h('span', { class: 'mark mark-rolled-back' }, `rolled back${v.rolled_back_at ? ' ' : ''}`, v.rolled_back_at ? when(v.rolled_back_at) : null) : null),
    h('div', { class: 'version-meta' }, when(v.created_at), ` by ${v.created_by}`),
    v.changelog ? h('p', { class: 'changelog' }, v.changelog) : null)));

  const from = query.get('from') ?? versions[1]?.version ?? versions[0]?.version;
  const to = query.get('to') ?? versions[0]?.version;
  const options = () => versions.map((v) => h('option', { value: v.version }, v.version));
  const fromSelect = h('select', { id: 'diff-from', name: 'from' }, options());
  const toSelect = h('select', { id: 'diff-to', name: 'to' }, options());
  fromSelect.value = from;
  toSelect.value = to;
  const diff = h('div', { id: 'diff', 'aria-live': 'polite' });
  let latest = 0;
  const showDiff = async () => {
    const asked = ++latest; // answers can arrive out of order: only the last one asked for is shown
    history.replaceState(null, '', href(['features', name, 'versions'], { from: fromSelect.value, to: toSelect.value }));
    try {
      const answer = await api(path('features', name, 'versions', fromSelect.value, 'diff', toSelect.value), { signal });
      if (asked === latest) fill(diff, diffView(answer));
    } catch (error) {
      if (asked === latest && error.name !== 'AbortError') fill(diff, notice(`The diff failed: ${error.message}`, 'error'));
    }
  };
  fromSelect.addEventListener('change', showDiff);
  toSelect.addEventListener('change', showDiff);
  if (versions.length > 0) await showDiff();

  return h('div', { class: 'grid' },
    section(`Versions (${list.total}), newest first`, timeline),
    section('Diff',
      h('form', { class: 'filters', on: { submit: (e) => { e.preventDefault(); showDiff(); } } },
        h('label', { class: 'field', for: 'diff-from' }, 'From', fromSelect),
        h('label', { class: 'field', for: 'diff-to' }, 'To', toSelect),
        h('button', { type: 'submit' }, 'Compare')),
      diff));
}

function diffView(d) {
  if (d.identical) return notice(`${d.from} and ${d.to} have identical snapshots.`);
  return table(['Field', 'Change', d.from, d.to], d.changes.map((c) => [
    h('code', {}, c.field), c.change,
    c.from === null || c.from === undefined ? '—' : json(c.from),
    c.to === null || c.to === undefined ? '—' : json(c.to)]), { id: 'diff-table' });
}
