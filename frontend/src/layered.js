// A linear-time layered layout, left to right, for lineage graphs too large for dagre to lay out quickly (dagre's
// ordering and Brandes-Köpf positioning took seconds for 1,000 nodes here). Ranks are the longest path from the sources;
// the order within each rank comes from a few barycenter sweeps; each rank is centred. Long edges get no bends.

const SWEEPS = 4;

/** Positions { id → {x, y} } of a DAG given as node ids and { from, to } edges. */
export function layeredPositions(ids, edges, { rankSep = 280, nodeSep = 46 } = {}) {
  const preds = new Map(ids.map((id) => [id, []]));
  const succs = new Map(ids.map((id) => [id, []]));
  for (const { from, to } of edges) {
    succs.get(from).push(to);
    preds.get(to).push(from);
  }

  // Longest-path ranks in topological order (Kahn). Lineage refuses cycles; a node left over would still get rank 0.
  const waiting = new Map(ids.map((id) => [id, preds.get(id).length]));
  const queue = ids.filter((id) => waiting.get(id) === 0);
  const rank = new Map(queue.map((id) => [id, 0]));
  for (let i = 0; i < queue.length; i++) {
    const v = queue[i];
    for (const w of succs.get(v)) {
      rank.set(w, Math.max(rank.get(w) ?? 0, rank.get(v) + 1));
      waiting.set(w, waiting.get(w) - 1);
      if (waiting.get(w) === 0) queue.push(w);
    }
  }
  const layers = [];
  for (const id of ids) {
    const r = rank.get(id) ?? 0;
    (layers[r] ??= []).push(id);
  }

  // Barycenter sweeps: down (by predecessors), then up (by successors).
  const position = new Map();
  const number = (layer) => layer.forEach((id, i) => position.set(id, i / Math.max(1, layer.length - 1)));
  layers.forEach(number);
  const sortBy = (layer, neighbours) => {
    const key = new Map(layer.map((id) => {
      const ns = neighbours.get(id);
      return [id, ns.length ? ns.reduce((sum, n) => sum + position.get(n), 0) / ns.length : position.get(id)];
    }));
    layer.sort((a, b) => key.get(a) - key.get(b));
    number(layer);
  };
  for (let sweep = 0; sweep < SWEEPS; sweep++) {
    if (sweep % 2 === 0) for (let r = 1; r < layers.length; r++) sortBy(layers[r], preds);
    else for (let r = layers.length - 2; r >= 0; r--) sortBy(layers[r], succs);
  }

  const positions = new Map();
  layers.forEach((layer, r) => layer.forEach((id, i) => positions.set(id, { x: r * rankSep, y: (i - (layer.length - 1) / 2) * nodeSep })));
  return positions;
}
