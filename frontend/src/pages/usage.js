// Usage: per model, environment and version, with importance and correlation, as charts and tables.
import { api, path } from '../api.js';
import { h, table, facts, when, number, section, notice } from '../dom.js';
import { chart, PALETTE } from '../charts.js';

const ENVIRONMENTS = ['dev', 'staging', 'production'];

export async function usageTab(feature, query, signal) {
  const name = feature.feature_name;
  const [stats, records] = await Promise.all([
    api(path('features', name, 'statistics'), { signal }),
    api(path('features', name, 'usage'), { query: { limit: 500 }, signal }),
  ]);
  if (stats.total_usage === 0) return notice('No usage recorded for this feature yet.');

  const versions = [...stats.by_version].reverse(); // oldest on the left
  const perVersion = chart('usage-by-version', `Uses of ${name} per version and environment`, {
    type: 'bar',
    data: {
      labels: versions.map((v) => v.feature_version),
      datasets: ENVIRONMENTS.map((env, i) => ({ label: env, data: versions.map((v) => v.environments[env]), backgroundColor: PALETTE[i] })),
    },
    options: { scales: { x: { stacked: true, title: { display: true, text: 'feature version' } }, y: { stacked: true, beginAtZero: true, title: { display: true, text: 'uses' } } } },
  });

  // Records grouped by model, model version, environment and feature version.
  const groups = new Map();
  for (const r of records.usage) {
    const key = JSON.stringify([r.used_by_model, r.model_version ?? '', r.environment, r.feature_version]);
    const g = groups.get(key) ?? { model: r.used_by_model, modelVersion: r.model_version, environment: r.environment, featureVersion: r.feature_version, uses: 0, importance: [], correlation: [], last: r.usage_timestamp };
    g.uses += 1;
    if (r.feature_importance !== null && r.feature_importance !== undefined) g.importance.push(r.feature_importance);
    if (r.correlation_with_target !== null && r.correlation_with_target !== undefined) g.correlation.push(r.correlation_with_target);
    if (r.usage_timestamp > g.last) g.last = r.usage_timestamp;
    groups.set(key, g);
  }
  const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  const rows = [...groups.values()].sort((a, b) => b.uses - a.uses);
  const labelOf = (g) => `${g.model}${g.modelVersion ? ` ${g.modelVersion}` : ''} · ${g.environment} · v${g.featureVersion}`;
  const perModel = chart('usage-by-model', `Average importance and correlation with the target of ${name}, per model`, {
    type: 'bar',
    data: {
      labels: rows.map(labelOf),
      datasets: [
        { label: 'feature importance', data: rows.map((g) => mean(g.importance)), backgroundColor: PALETTE[0] },
        { label: 'correlation with target', data: rows.map((g) => mean(g.correlation)), backgroundColor: PALETTE[2] },
      ],
    },
    options: { indexAxis: 'y', scales: { x: { title: { display: true, text: 'average' } } } },
  });

  return [
    h('div', { class: 'grid' },
      section('Overall', facts([
        ['Uses', String(stats.total_usage)],
        ['Models', String(stats.unique_models)],
        ['By environment', ENVIRONMENTS.map((e) => `${e} ${stats.environments[e]}`).join(' · ')],
        ['Average importance', number(stats.avg_importance)],
        ['Average correlation', number(stats.avg_correlation)],
        ['Last used', when(stats.last_used_at)],
      ])),
      section('Uses per version and environment', perVersion)),
    section('Importance and correlation per model', perModel,
      records.total > records.usage.length ? notice(`From the newest ${records.usage.length} of ${records.total} records.`, 'warn') : null,
      table(['Model', 'Model version', 'Environment', 'Feature version', 'Uses', 'Avg importance', 'Avg correlation', 'Last used'],
        rows.map((g) => [g.model, g.modelVersion ?? '—', g.environment, g.featureVersion, String(g.uses), number(mean(g.importance)), number(mean(g.correlation)), when(g.last)]),
        { id: 'usage-table' })),
  ];
}
