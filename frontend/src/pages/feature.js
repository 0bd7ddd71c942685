// A feature's pages: its definition, lineage graph and impact, versions and diffs, usage charts, values.
import { api, path } from '../api.js';
import { h, link, statusBadge, table, facts, json, when, section } from '../dom.js';
import { lineageTab } from './lineage.js';
import { versionsTab } from './versions.js';
import { usageTab } from './usage.js';
import { valuesTab } from './values.js';

const TABS = [['overview', 'Definition'], ['lineage', 'Lineage'], ['versions', 'Versions'], ['usage', 'Usage'], ['values', 'Values']];

/**
 * The lifecycle as the API applies it (Registry.Core's FeatureLifecycle): the action (an endpoint) and the status it
 * leads to. The browser only shows them; it changes nothing.
 */
export const TRANSITIONS = {
  draft: [['activate', 'active'], ['deprecate', 'deprecated'], ['archive (DELETE)', 'archived']],
  active: [['deprecate', 'deprecated'], ['archive (DELETE)', 'archived']],
  deprecated: [['activate', 'active'], ['archive (DELETE)', 'archived']],
  archived: [],
};

export async function featurePage(name, tab, query, signal) {
  const feature = await api(path('features', name), { signal });
  const tabs = { overview: overviewTab, lineage: lineageTab, versions: versionsTab, usage: usageTab, values: valuesTab };
  const body = await (tabs[tab] ?? overviewTab)(feature, query, signal);
  return [
    h('div', { class: 'title-line' }, h('h1', { tabindex: '-1' }, feature.feature_name), statusBadge(feature.status),
      h('span', { class: 'version' }, `v${feature.current_version}`)),
    h('nav', { class: 'tabs', 'aria-label': 'Feature' }, TABS.map(([key, label]) =>
      link(label, key === 'overview' ? ['features', name] : ['features', name, key], undefined,
        { 'aria-current': key === tab || (tab === 'overview' && key === 'overview') ? 'page' : null }))),
    body,
  ];
}

function overviewTab(f) {
  const transitions = TRANSITIONS[f.status] ?? [];
  const list = (names) => names.length ? h('ul', { class: 'inline-list' }, names.map((n) => h('li', {}, link(n, ['features', n])))) : '—';
  return h('div', { class: 'grid' },
    section('Definition', facts([
      ['Type', f.feature_type],
      ['Data type', f.data_type],
      ['Entity', f.entity],
      ['Owner', f.owner],
      ['Tags', f.tags.length ? f.tags.map((t) => h('span', { class: 'chip' }, t)) : '—'],
      ['Description', f.description ? h('p', { class: 'prose' }, f.description) : '—'],
      ['Current version', f.current_version],
      ['Value table', f.duckdb_table ?? '—'],
      ['View', f.duckdb_view ?? undefined],
      ['Validation policy', f.validation_policy],
      ['Used', [`${f.usage_count} ${f.usage_count === 1 ? 'use' : 'uses'}`, f.last_used_at ? [', last ', when(f.last_used_at)] : null]],
      ['Created', when(f.created_at)],
      ['Updated', when(f.updated_at)],
      ['Deprecated', f.deprecated_at ? when(f.deprecated_at) : undefined],
    ])),
    section('Lifecycle',
      h('p', {}, 'Status: ', statusBadge(f.status)),
      transitions.length
        ? [h('p', {}, 'Allowed transitions (through the API, with a write key):'),
          h('ul', { class: 'transitions' }, transitions.map(([action, to]) => h('li', {}, `${action} → `, statusBadge(to))))]
        : h('p', {}, 'Archived: no transition is allowed.'),
      h('h3', {}, 'Upstream'), list(f.upstream_features),
      h('h3', {}, 'Downstream'), list(f.downstream_features)),
    section('Transformation', f.transformation
      ? [facts([['Language', f.transformation.transformation_type]]),
        h('pre', { class: 'code' }, h('code', {}, f.transformation.code)),
        h('h3', {}, 'Parameters'),
        Object.keys(f.transformation.parameters ?? {}).length
          ? table(['Parameter', 'Value'], Object.entries(f.transformation.parameters).map(([k, v]) => [k, JSON.stringify(v)]))
          : h('p', {}, 'None.')]
      : h('p', {}, 'No transformation: a raw feature.')),
    section('Validation rules', f.validation_rules.length
      ? table(['Rule', 'Parameters', 'Blocking'], f.validation_rules.map((r) => [r.rule_type, json(r.parameters), r.is_blocking ? 'yes' : 'no']))
      : h('p', {}, 'No rules.')),
  );
}
