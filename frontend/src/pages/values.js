// Values: a time series of one or more entities over a range (one contract), the latest values and the validation report.
import { api, path } from '../api.js';
import { h, href, table, facts, when, number, section, notice, json } from '../dom.js';
import { splitList } from './catalogue.js';
import { chart, isoTick, PALETTE } from '../charts.js';

const MAX_SERIES = 10;
const MAX_POINTS = 100_000;

export async function valuesTab(feature, query, signal) {
  const name = feature.feature_name;
  const entities = splitList(query.get('entity_id'));
  const from = query.get('from') ?? '';
  const to = query.get('to') ?? '';
  const version = query.get('version') ?? '';
  const range = { from: from || undefined, to: to || undefined };

  const field = (label, id, value, placeholder) => h('label', { class: 'field', for: id }, label,
    h('input', { id, name: id, type: 'text', value, placeholder, autocomplete: 'off' }));
  const form = h('form', { class: 'filters', on: { submit: (e) => {
    e.preventDefault();
    const data = new FormData(e.target);
    location.hash = href(['features', name, 'values'], Object.fromEntries([...data.entries()].map(([k, v]) => [k, String(v).trim()])));
  } } },
  field('Entities (comma-separated; empty: the first ones stored)', 'entity_id', entities.join(', '), 'AAPL, MSFT'),
  field('From (inclusive, ISO 8601)', 'from', from, '2024-01-01T00:00:00Z'),
  field('To (exclusive)', 'to', to, '2024-02-01T00:00:00Z'),
  field('Version (its contract)', 'version', version, feature.current_version),
  h('button', { type: 'submit', class: 'primary' }, 'Show'));

  const [values, stats, report] = await Promise.all([
    api(path('features', name, 'values'), { query: { entity_id: entities, ...range, version: version || undefined, limit: entities.length ? MAX_POINTS : 5000 }, signal }),
    api(path('features', name, 'values', 'stats'), { query: { ...range, version: version || undefined }, signal }),
    api(path('features', name, 'validate'), { method: 'POST', query: range, signal }).catch((error) => error),
  ]);

  // One series per entity, in the order the API returns them (entity, then event time).
  const series = new Map();
  for (const row of values.values) {
    if (!series.has(row.entity_id)) {
      if (series.size >= MAX_SERIES) continue;
      series.set(row.entity_id, []);
    }
    series.get(row.entity_id).push(row);
  }
  const shown = [...series.keys()];
  const latest = shown.length
    ? await api(path('features', name, 'values', 'latest'), { query: { entity_id: shown, version: version || undefined }, signal })
    : null;

  const numeric = ['float', 'integer', 'boolean'].includes(feature.data_type);
  const toNumber = (v) => (typeof v === 'boolean' ? Number(v) : v);
  const plot = shown.length && numeric
    ? chart('values-chart', `Values of ${name} for ${shown.join(', ')} over time`, {
      type: 'line',
      data: {
        datasets: shown.map((entity, i) => ({
          label: entity,
          data: series.get(entity).map((r) => ({ x: Date.parse(r.event_ts), y: toNumber(r.value) })),
          borderColor: PALETTE[i % PALETTE.length],
          backgroundColor: PALETTE[i % PALETTE.length],
          pointRadius: series.get(entity).length > 200 ? 0 : 2,
          borderWidth: 1.5,
          spanGaps: false,
        })),
      },
      options: {
        parsing: false,
        normalized: true,
        interaction: { mode: 'nearest', intersect: false },
        scales: { x: { type: 'linear', ticks: { callback: isoTick, maxRotation: 0, autoSkipPadding: 20 }, title: { display: true, text: 'event time (UTC)' } } },
        plugins: { tooltip: { callbacks: { title: (items) => items.map((i) => isoTick(i.parsed.x)) } } },
      },
    })
    : null;

  return [
    form,
    h('p', {}, `Contract ${values.contract_major} (the values of version ${values.feature_version}'s major).`),
    section('Time series',
      shown.length === 0 ? notice('No values stored in this range.') : null,
      plot,
      shown.length && !numeric ? notice(`A ${feature.data_type} feature: its values are listed, not plotted.`) : null,
      values.values.length >= (entities.length ? MAX_POINTS : 5000) ? notice('Only the first rows of the range are shown: narrow the range or pick entities.', 'warn') : null,
      shown.length ? h('details', {}, h('summary', {}, `The plotted values (${shown.map((e) => `${e}: ${series.get(e).length}`).join(', ')})`),
        table(['Entity', 'Event time', 'Value', 'Version', 'Ingested'], shown.flatMap((e) => series.get(e)).slice(0, 2000)
          .map((r) => [r.entity_id, when(r.event_ts), JSON.stringify(r.value), r.feature_version, when(r.ingested_at)]), { id: 'values-table' })) : null),
    h('div', { class: 'grid' },
      section('Latest values', latest
        ? [table(['Entity', 'Value', 'Event time', 'Age', 'Version'], latest.values.map((v) => [v.entity_id, JSON.stringify(v.value), when(v.event_ts), `${number(v.age_seconds / 86400, 2)} days`, v.feature_version]), { id: 'latest-table' }),
          latest.missing_entities.length ? notice(`No value for ${latest.missing_entities.join(', ')}.`, 'warn') : null]
        : h('p', {}, 'No entity to show.')),
      section('Statistics', facts([
        ['Rows', String(stats.rows)], ['Entities', String(stats.entities)], ['Null rate', number(stats.null_rate)],
        ['Min', number(stats.min)], ['Max', number(stats.max)], ['Mean', number(stats.mean)], ['Std', number(stats.std)],
        ['First event', when(stats.first_event_ts)], ['Last event', when(stats.last_event_ts)]])),
      section('Validation report', reportView(report))),
  ];
}

function reportView(report) {
  if (report instanceof Error) return notice(`The validation report failed: ${report.message}`, 'error');
  const rule = (r) => [r.rule_type, r.is_blocking ? 'blocking' : 'warning', json(r.parameters), `${r.offending_rows} of ${r.checked_rows}`, r.message];
  return [
    h('p', { id: 'validation-verdict' }, report.is_valid ? h('span', { class: 'ok' }, 'Valid: no blocking rule failed.') : h('span', { class: 'bad' }, 'Invalid: a blocking rule failed.'),
      ` ${report.rows_checked} rows checked.`),
    h('h3', {}, 'Quality flags'),
    report.quality_flags.length
      ? h('ul', { id: 'quality-flags' }, report.quality_flags.map((f) => h('li', {}, h('code', {}, f.flag), ` ${f.message}`)))
      : h('p', {}, 'None.'),
    report.failed_rules.length ? [h('h3', {}, 'Failed rules'), table(['Rule', 'Kind', 'Parameters', 'Offending', 'Message'], report.failed_rules.map(rule))] : null,
    report.passed_rules.length ? [h('h3', {}, 'Passed rules'), table(['Rule', 'Kind', 'Parameters', 'Offending', 'Message'], report.passed_rules.map(rule))] : null,
    report.errors.length ? [h('h3', {}, 'Errors'), h('ul', {}, report.errors.map((e) => h('li', {}, e)))] : null,
    report.warnings.length ? [h('h3', {}, 'Warnings'), h('ul', {}, report.warnings.map((w) => h('li', {}, w)))] : null,
  ];
}
