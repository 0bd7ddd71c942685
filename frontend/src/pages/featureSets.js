// Feature sets: members with their pinned versions, versions, the online vector of an entity, snapshots.
import { api, path } from '../api.js';
import { h, fill, link, href, table, facts, when, number, section, notice } from '../dom.js';
import { splitList } from './catalogue.js';

const PAGE = 50;

export async function featureSetsPage(query, signal) {
  const owner = query.get('owner') ?? '';
  const tags = query.get('tags') ?? '';
  const skip = Math.max(0, Number.parseInt(query.get('skip') ?? '0', 10) || 0);
  // `tags` (all of them must match), as on features.
  const page = await api('feature-sets', { query: { owner: owner || undefined, tags: splitList(tags), skip: skip || undefined, limit: PAGE }, signal });
  const form = h('form', { class: 'filters', role: 'search', on: { submit: (e) => {
    e.preventDefault();
    const data = new FormData(e.target);
    location.hash = href(['feature-sets'], { owner: String(data.get('owner')).trim(), tags: String(data.get('tags')).trim() });
  } } },
  h('label', { class: 'field' }, 'Owner', h('input', { type: 'text', name: 'owner', value: owner })),
  h('label', { class: 'field' }, 'Tags (all of)', h('input', { type: 'text', name: 'tags', value: tags })),
  h('button', { type: 'submit', class: 'primary' }, 'Filter'));
  const last = skip + page.feature_sets.length;
  return [
    h('h1', { tabindex: '-1' }, 'Feature sets'),
    form,
    page.feature_sets.length === 0 ? notice('No feature set matches.') : [
      h('p', {}, `${skip + 1}–${last} of ${page.total} feature sets`),
      table(['Name', 'Current version', 'Members', 'Owner', 'Tags', 'Description'], page.feature_sets.map((s) => [
        link(s.feature_set_name, ['feature-sets', s.feature_set_name]), s.current_version, String(s.members.length), s.owner,
        s.tags.map((t) => h('span', { class: 'chip' }, t)), h('span', { class: 'description' }, s.description ?? '')]), { id: 'feature-sets' }),
      h('div', { class: 'pager' },
        skip > 0 ? h('a', { href: href(['feature-sets'], { owner, tags, skip: Math.max(0, skip - PAGE) }) }, '← Previous') : null,
        last < page.total ? h('a', { href: href(['feature-sets'], { owner, tags, skip: skip + PAGE }) }, 'Next →') : null),
    ],
  ];
}

export async function featureSetPage(name, query, signal) {
  const [set, versions, snapshots] = await Promise.all([
    api(path('feature-sets', name), { signal }),
    api(path('feature-sets', name, 'versions'), { query: { limit: 500 }, signal }),
    api('snapshots', { query: { feature_set: name, limit: 100 }, signal }),
  ]);
  const version = query.get('version') ?? set.current_version;
  const shown = versions.versions.find((v) => v.version === version) ?? versions.versions[0];

  const versionSelect = h('select', { id: 'online-version', name: 'version' }, versions.versions.map((v) => h('option', { value: v.version }, v.version)));
  versionSelect.value = shown.version;
  const entityInput = h('input', { id: 'online-entities', name: 'entity_id', type: 'text', placeholder: 'AAPL, MSFT', autocomplete: 'off' });
  const online = h('div', { id: 'online', 'aria-live': 'polite' });
  const onlineForm = h('form', { class: 'filters', on: { submit: async (e) => {
    e.preventDefault();
    const entities = splitList(entityInput.value);
    if (entities.length === 0) { fill(online, notice('Enter at least one entity id.', 'warn')); return; }
    try {
      fill(online, onlineView(await api(path('feature-sets', name, 'versions', versionSelect.value, 'online'), { query: { entity_id: entities } })));
    } catch (error) {
      fill(online, notice(`The online vector failed: ${error.message}`, 'error'));
    }
  } } },
  h('label', { class: 'field', for: 'online-version' }, 'Version', versionSelect),
  h('label', { class: 'field', for: 'online-entities' }, 'Entities (comma-separated)', entityInput),
  h('button', { type: 'submit', class: 'primary' }, 'Get online vector'));

  return [
    h('div', { class: 'title-line' }, h('h1', { tabindex: '-1' }, set.feature_set_name), h('span', {}, `current v${set.current_version}`)),
    h('div', { class: 'grid' },
      section('Feature set', facts([
        ['Owner', set.owner],
        ['Tags', set.tags.length ? set.tags.map((t) => h('span', { class: 'chip' }, t)) : '—'],
        ['Description', set.description ?? '—'],
        ['Created', when(set.created_at)],
        ['Updated', when(set.updated_at)],
      ])),
      section(`Members of ${shown.version}${shown.is_current ? ' (current)' : ''}`,
        table(['#', 'Feature', 'Pinned version'], shown.members.map((m, i) => [String(i + 1), link(m.feature_name, ['features', m.feature_name]), m.feature_version]), { id: 'members' }))),
    section('Versions, newest first',
      h('ol', { class: 'timeline' }, versions.versions.map((v) => h('li', {},
        link(v.version, ['feature-sets', name], { version: v.version }),
        v.is_current ? h('span', { class: 'mark mark-current' }, 'current') : null,
        ` ${v.members.length} members · `, when(v.created_at), ` by ${v.created_by}`,
        v.changelog ? h('p', { class: 'changelog' }, v.changelog) : null)))),
    section('Online vector', onlineForm, online),
    section(`Snapshots (${snapshots.total})`, snapshots.snapshots.length
      ? snapshotTable(snapshots.snapshots)
      : h('p', {}, 'None.')),
  ];
}

function onlineView(answer) {
  return [
    h('p', {}, `Served at `, when(answer.served_at), `, version ${answer.feature_set_version}.`),
    answer.vectors.map((v) => h('div', { class: 'vector' },
      h('h3', {}, v.entity_id),
      table(['Feature', 'Value', 'Raw value', 'Event time', 'Age'], Object.keys(v.values).map((f) => [
        f, JSON.stringify(v.values[f]), JSON.stringify(v.raw_values[f]), when(v.event_ts[f]), `${number(v.age_seconds[f] / 86400, 2)} days`])),
      v.missing_features.length ? notice(`No value for ${v.missing_features.join(', ')}.`, 'warn') : null)),
  ];
}

export function snapshotTable(snapshots) {
  return table(['Snapshot', 'Feature set', 'Range', 'Timeframe', 'Rows', 'Files', 'Created'], snapshots.map((s) => [
    link(s.snapshot_id.slice(0, 8), ['snapshots', s.snapshot_id], undefined, { title: s.snapshot_id }),
    `${s.feature_set_name} ${s.feature_set_version}`,
    [when(s.from), ' – ', when(s.to)], s.timeframe, String(s.row_count), String(s.file_count), when(s.created_at)]), { id: 'snapshots' });
}
