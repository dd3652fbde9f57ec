// One layout for the whole window: every organization that appears in any period gets its
// place once (ForceAtlas2 on the union of all periods' ties), so moving the time slider shows
// ties appearing and dissolving instead of the whole picture moving.
import Graph from "graphology";
import forceAtlas2 from "graphology-layout-forceatlas2";

export interface Tie {
  source: string;
  target: string;
  weight: number;
}

/** A position in [0, 1) from a string, the same on every machine (FNV-1a). */
function unit(text: string, salt: number): number {
  let hash = 2166136261 ^ salt;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 16777619);
  }
  return (hash >>> 0) / 4294967296;
}

export function stableLayout(nodes: string[], ties: Tie[]): Map<string, { x: number; y: number }> {
  const graph = new Graph({ type: "undirected", multi: false });
  for (const id of nodes) graph.mergeNode(id, { x: unit(id, 1) * 100, y: unit(id, 2) * 100 });
  for (const tie of ties) {
    if (tie.source === tie.target || !graph.hasNode(tie.source) || !graph.hasNode(tie.target)) continue;
    const key = tie.source < tie.target ? `${tie.source}|${tie.target}` : `${tie.target}|${tie.source}`;
    if (graph.hasEdge(key)) graph.updateEdgeAttribute(key, "weight", (w: number) => w + tie.weight);
    else graph.addUndirectedEdgeWithKey(key, tie.source, tie.target, { weight: tie.weight });
  }
  if (graph.order > 1) {
    forceAtlas2.assign(graph, {
      iterations: 300,
      getEdgeWeight: "weight",
      settings: { ...forceAtlas2.inferSettings(graph), gravity: 1, scalingRatio: 10, barnesHutOptimize: graph.order > 500 },
    });
  }
  const positions = new Map<string, { x: number; y: number }>();
  graph.forEachNode((id, attributes) => positions.set(id, { x: attributes.x as number, y: attributes.y as number }));
  return positions;
}
