// Snapshots: what a model trained on, with its normalization statistics and the models trained on it.
import { api, path } from '../api.js';
import { h, link, href, table, facts, when, number, section, notice } from '../dom.js';
import { snapshotTable } from './featureSets.js';

const PAGE = 50;

export async function snapshotsPage(query, signal) {
  const skip = Math.max(0, Number.parseInt(query.get('skip') ?? '0', 10) || 0);
  const page = await api('snapshots', { query: { skip: skip || undefined, limit: PAGE }, signal });
  const last = skip + page.snapshots.length;
  return [
    h('h1', { tabindex: '-1' }, 'Snapshots'),
    page.snapshots.length === 0 ? notice('No snapshot yet.') : [
      h('p', {}, `${skip + 1}–${last} of ${page.total} snapshots, newest first`),
      snapshotTable(page.snapshots),
      h('div', { class: 'pager' },
        skip > 0 ? h('a', { href: href(['snapshots'], { skip: Math.max(0, skip - PAGE) }) }, '← Previous') : null,
        last < page.total ? h('a', { href: href(['snapshots'], { skip: skip + PAGE }) }, 'Next →') : null),
    ],
  ];
}

export async function snapshotPage(id, signal) {
  const [snapshot, normalization, usage] = await Promise.all([
    api(path('snapshots', id), { signal }),
    api(path('snapshots', id, 'normalization'), { signal }),
    api(path('snapshots', id, 'usage'), { query: { limit: 500 }, signal }),
  ]);
  return [
    h('h1', { tabindex: '-1' }, `Snapshot ${snapshot.snapshot_id}`),
    h('div', { class: 'grid' },
      section('Snapshot', facts([
        ['Feature set', link(`${snapshot.feature_set_name} ${snapshot.feature_set_version}`, ['feature-sets', snapshot.feature_set_name], { version: snapshot.feature_set_version })],
        ['Range', [when(snapshot.from), ' – ', when(snapshot.to)]],
        ['Timeframe', snapshot.timeframe],
        ['Entities', snapshot.entity_ids ? snapshot.entity_ids.join(', ') : 'all'],
        ['Rows', String(snapshot.row_count)],
        ['Columns', snapshot.columns.join(', ')],
        ['Checksum', h('code', {}, snapshot.checksum)],
        ['Created', [when(snapshot.created_at), snapshot.created_by ? ` by ${snapshot.created_by}` : '']],
      ])),
      section('Models trained on it', usage.usage.length
        ? table(['Model', 'Model version', 'Environment', 'Run', 'When'], usage.usage.map((u) => [u.used_by_model, u.model_version, u.environment, u.execution_id, when(u.usage_timestamp)]), { id: 'snapshot-usage' })
        : h('p', {}, 'None recorded.'))),
    section('Normalization statistics (z = (x − mean) / std)',
      table(['Feature', 'Version', 'Count', 'Mean', 'Std', 'Min', 'Max'], normalization.features.map((f) => [
        link(f.feature_name, ['features', f.feature_name]), f.feature_version, String(f.count), number(f.mean), number(f.std), number(f.min), number(f.max)]), { id: 'normalization' })),
    section(`Files (${snapshot.files.length})`,
      table(['Path', 'Rows', 'Bytes', 'SHA-256'], snapshot.files.map((f) => [h('code', {}, f.path), String(f.rows), String(f.bytes), h('code', {}, f.sha256)]))),
  ];
}
