// The lineage graph (Cytoscape, laid out left to right by dagre) and the impact panel.
import cytoscape from 'cytoscape';
import dagre from 'cytoscape-dagre';
import { api, path } from '../api.js';
import { layeredPositions } from '../layered.js';
import { h, fill, link, href, statusBadge, table, when, section, notice } from '../dom.js';

cytoscape.use(dagre);

const COLORS = {
  draft: ['#f3f4f6', '#6b7280'],
  active: ['#dcfce7', '#15803d'],
  deprecated: ['#fef3c7', '#b45309'],
  archived: ['#e5e7eb', '#374151'],
};

const GRAPH_STYLE = [
  {
    selector: 'node',
    style: {
      shape: 'round-rectangle', width: 190, height: 34, label: 'data(label)', 'font-size': 11, color: '#111827',
      'text-valign': 'center', 'text-halign': 'center',
      'border-width': 1.5, 'min-zoomed-font-size': 6,
    },
  },
  ...Object.entries(COLORS).map(([status, [fill, stroke]]) => ({
    selector: `node[status = "${status}"]`, style: { 'background-color': fill, 'border-color': stroke },
  })),
  { selector: 'node[status = "deprecated"]', style: { 'border-style': 'dashed', 'border-width': 2.5 } },
  { selector: 'node[status = "archived"]', style: { 'border-style': 'dotted', 'border-width': 2.5, color: '#4b5563' } },
  { selector: 'node.asked', style: { 'border-width': 4, 'border-color': '#1d4ed8', 'border-style': 'solid', 'font-weight': 'bold' } },
  {
    selector: 'edge',
    style: { width: 1.2, 'line-color': '#9ca3af', 'target-arrow-color': '#9ca3af', 'target-arrow-shape': 'triangle', 'curve-style': 'bezier', 'arrow-scale': .8 },
  },
];

export async function lineageTab(feature, query, signal) {
  const name = feature.feature_name;
  const direction = ['upstream', 'downstream', 'both'].includes(query.get('direction')) ? query.get('direction') : 'both';
  const depth = Math.min(100, Math.max(1, Number.parseInt(query.get('depth') ?? '3', 10) || 3));
  const started = performance.now();
  const lineage = await api(path('features', name, 'lineage'), { query: { recursive: true, direction, depth }, signal });
  const fetchedMs = performance.now() - started;

  // The feature asked about is a node whether or not the answer lists it.
  const nodes = new Map(lineage.nodes.map((n) => [n.feature_name, n]));
  if (!nodes.has(name)) {
    nodes.set(name, { feature_name: name, status: feature.status, owner: feature.owner, current_version: feature.current_version, depth: 0, direction: 'both' });
  }
  const edges = lineage.edges.filter((e) => nodes.has(e.from) && nodes.has(e.to));

  const directionSelect = h('select', { id: 'lineage-direction', name: 'direction' },
    ['both', 'upstream', 'downstream'].map((d) => h('option', { value: d }, d)));
  directionSelect.value = direction;
  const depthInput = h('input', { id: 'lineage-depth', name: 'depth', type: 'number', min: 1, max: 100, value: depth });
  const controls = h('form', { class: 'filters', on: { submit: (e) => {
    e.preventDefault();
    location.hash = href(['features', name, 'lineage'], { direction: directionSelect.value, depth: depthInput.value });
  } } },
  h('label', { class: 'field', for: 'lineage-direction' }, 'Direction', directionSelect),
  h('label', { class: 'field', for: 'lineage-depth' }, 'Depth', depthInput),
  h('button', { type: 'submit', class: 'primary' }, 'Show'));

  const graph = h('div', {
    class: 'graph', id: 'lineage-graph', role: 'img',
    'aria-label': `Lineage graph of ${name}: ${nodes.size} features, ${edges.length} edges. The same nodes are listed below.`,
  });
  const timing = h('p', { class: 'timing', 'aria-live': 'polite' });
  requestAnimationFrame(() => drawGraph(graph, timing, name, nodes, edges, { direction, depth, fetchedMs }));

  const impact = h('div', { id: 'impact' });
  const impactButton = h('button', { type: 'button', 'aria-expanded': 'false', 'aria-controls': 'impact', on: { click: async () => {
    impactButton.disabled = true;
    try {
      fill(impact, await impactPanel(name));
      impactButton.setAttribute('aria-expanded', 'true');
    } catch (error) {
      fill(impact, notice(`Impact analysis failed: ${error.message}`, 'error'));
    } finally {
      impactButton.disabled = false;
    }
  } } }, 'Impact of deprecating or breaking it');

  return [
    controls,
    h('div', { class: 'legend' }, 'Status:', Object.keys(COLORS).map((s) => statusBadge(s)),
      h('span', {}, 'The feature asked about has a thick blue border. Click a node to open it.')),
    graph,
    timing,
    h('p', {}, impactButton),
    impact,
    h('div', { class: 'grid' },
      section(`Features in the graph (${nodes.size})`, collapsible(nodes.size, 'the features',
        table(['Feature', 'Status', 'Direction', 'Depth', 'Version', 'Owner'],
          [...nodes.values()].sort((a, b) => a.depth - b.depth || a.feature_name.localeCompare(b.feature_name)).map((n) => [
            n.feature_name === name ? h('strong', {}, n.feature_name) : link(n.feature_name, ['features', n.feature_name, 'lineage'], { direction, depth }),
            statusBadge(n.status), n.direction, String(n.depth), n.current_version, n.owner]),
          { id: 'lineage-nodes' }))),
      section(`Edges (${edges.length})`, collapsible(edges.length, 'the edges',
        edges.length ? h('ul', { id: 'lineage-edges', class: 'edge-list' }, edges.map((e) => h('li', {}, `${e.from} → ${e.to}`))) : h('p', {}, 'None.'))),
      section('Feature-set versions that include it',
        lineage.feature_sets.length
          ? table(['Feature set', 'Version', 'Pins'], lineage.feature_sets.map((u) => [
            link(u.feature_set_name, ['feature-sets', u.feature_set_name]), `${u.version}${u.is_current ? ' (current)' : ''}`, `${u.feature_name}@${u.feature_version}`]))
          : h('p', {}, 'None.'))),
  ];
}

function positionsOf(map) {
  return (node) => map.get(node.id());
}

/** A long list stays folded (still in the page, for search and screen readers); a short one is shown. */
function collapsible(count, what, content) {
  return count > 50 ? h('details', {}, h('summary', {}, `Show ${what} (${count})`), content) : content;
}

function drawGraph(container, timing, name, nodes, edges, { direction, depth, fetchedMs }) {
  if (!container.isConnected) return;
  const started = performance.now();
  const elements = [
    ...[...nodes.values()].map((n) => ({
      group: 'nodes',
      // Cut here rather than by Cytoscape's ellipsis, which measures every label's text on the canvas first.
      data: { id: n.feature_name, label: n.feature_name.length > 30 ? `${n.feature_name.slice(0, 29)}…` : n.feature_name, status: n.status },
      classes: n.feature_name === name ? 'asked' : '',
    })),
    ...edges.map((e) => ({ group: 'edges', data: { id: `${e.from}→${e.to}`, source: e.from, target: e.to } })),
  ];
  const large = nodes.size > 300;
  let laidOut = 0;
  const cy = cytoscape({
    container,
    elements,
    style: large ? [...GRAPH_STYLE, { selector: 'edge', style: { 'curve-style': 'straight' } }] : GRAPH_STYLE,
    // dagre (network simplex ranks, Brandes-Köpf positions) draws the neatest DAG, but its cost grows much faster than
    // the graph: over a minute for 1,000 nodes with its default ranker, seconds with the others. Large graphs get a
    // linear-time layered layout of our own (layered.js), with the same left-to-right ranks.
    layout: large
      ? {
        name: 'preset', positions: positionsOf(layeredPositions([...nodes.keys()], edges)), fit: true, padding: 20,
        stop: () => { laidOut = performance.now() - started; },
      }
      : {
        name: 'dagre', rankDir: 'LR', nodeSep: 14, rankSep: 70, edgeSep: 6, animate: false, fit: true, padding: 20,
        stop: () => { laidOut = performance.now() - started; },
      },
    // Past a few hundred nodes, straight edges (no control points to compute) at one pixel per CSS pixel keep the
    // first frame fast; labels smaller than 6 px on screen are not drawn at all.
    pixelRatio: large ? 1 : 'auto',
    minZoom: 0.05,
    maxZoom: 3,
    // Past a few hundred nodes, pan and zoom move a bitmap of the graph and hide edges meanwhile, so they stay smooth.
    textureOnViewport: large,
    hideEdgesOnViewport: large,
    boxSelectionEnabled: false,
    autoungrabify: true,
  });
  container.cy = cy; // for the browser tests, which click nodes where they are drawn
  cy.on('tap', 'node', (event) => {
    location.hash = href(['features', event.target.id(), 'lineage'], { direction, depth });
  });
  cy.one('render', () => {
    const renderMs = performance.now() - started;
    container.dataset.renderMs = String(Math.round(renderMs));
    container.dataset.layoutMs = String(Math.round(laidOut));
    container.dataset.nodes = String(cy.nodes().length);
    container.dataset.edges = String(cy.edges().length);
    timing.textContent = `${cy.nodes().length} features and ${cy.edges().length} edges, fetched in ${Math.round(fetchedMs)} ms, laid out and drawn in ${Math.round(renderMs)} ms.`;
  });
}

async function impactPanel(name) {
  const impact = await api(path('features', name, 'impact'));
  return section('Impact',
    h('p', {}, impact.can_deprecate
      ? h('span', { class: 'ok' }, 'It can be deprecated: no active feature depends on it directly.')
      : h('span', { class: 'bad' }, impact.blocking_features.length
        ? `Deprecation is refused while these active features depend on it: ${impact.blocking_features.join(', ')}.`
        : `It cannot be deprecated from ${impact.status}.`)),
    h('h3', {}, `Downstream features (${impact.total_downstream_count})`),
    impact.downstream_features.length
      ? table(['Feature', 'Status', 'Depth', 'Owner'], impact.downstream_features.map((n) => [link(n.feature_name, ['features', n.feature_name]), statusBadge(n.status), String(n.depth), n.owner]))
      : h('p', {}, 'None.'),
    h('h3', {}, `Models that used it or them (${impact.models.length})`),
    impact.models.length
      ? table(['Model', 'Model version', 'Environment', 'Last used', 'Uses', 'Through'],
        impact.models.map((m) => [m.used_by_model, m.model_version ?? '—', m.environment, when(m.last_used_at), String(m.usage_count), m.features.join(', ')]),
        { id: 'impact-models' })
      : h('p', {}, 'None recorded.'),
    h('h3', {}, `Feature-set versions (${impact.feature_sets.length})`),
    impact.feature_sets.length
      ? table(['Feature set', 'Version', 'Member'], impact.feature_sets.map((u) => [link(u.feature_set_name, ['feature-sets', u.feature_set_name]), `${u.version}${u.is_current ? ' (current)' : ''}`, `${u.feature_name}@${u.feature_version}`]))
      : h('p', {}, 'None.'));
}
