// One layout for the whole window: every organization gets its place once, so moving the time
// slider shows ties appearing and dissolving instead of the whole picture moving. The map loads
// the window newest first: the first periods loaded are laid out together (ForceAtlas2 on the
// union of their ties); organizations that first appear in periods loaded later are placed among
// those already placed, which do not move (extendLayout). The page runs both in a web worker
// (layOut, layout.worker.ts).
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

/**
 * ``placed`` and the organizations of ``nodes`` not yet in it: those are set near their placed
 * partners, then ForceAtlas2 moves only them (the placed ones are ``fixed``).
 */
export function extendLayout(
  placed: Map<string, { x: number; y: number }>,
  nodes: string[],
  ties: Tie[],
): Map<string, { x: number; y: number }> {
  if (placed.size === 0) return stableLayout(nodes, ties);
  const fresh = [...new Set(nodes)].filter((id) => !placed.has(id));
  if (fresh.length === 0) return placed;
  const xs = [...placed.values()].map((p) => p.x);
  const ys = [...placed.values()].map((p) => p.y);
  const [left, top] = [Math.min(...xs), Math.min(...ys)];
  const [width, height] = [Math.max(...xs) - left || 1, Math.max(...ys) - top || 1];
  const partners = new Map<string, { x: number; y: number }[]>();
  for (const tie of ties) {
    for (const [one, other] of [[tie.source, tie.target], [tie.target, tie.source]]) {
      const there = placed.get(other);
      if (there && !placed.has(one)) partners.set(one, [...(partners.get(one) ?? []), there]);
    }
  }
  const graph = new Graph({ type: "undirected", multi: false });
  placed.forEach((p, id) => graph.addNode(id, { x: p.x, y: p.y, fixed: true }));
  for (const id of fresh) {
    const near = partners.get(id);
    const jitter = { x: (unit(id, 1) - 0.5) * width * 0.05, y: (unit(id, 2) - 0.5) * height * 0.05 };
    const start = near
      ? { x: near.reduce((a, p) => a + p.x, 0) / near.length, y: near.reduce((a, p) => a + p.y, 0) / near.length }
      : { x: left + unit(id, 1) * width, y: top + unit(id, 2) * height };
    graph.addNode(id, { x: start.x + jitter.x, y: start.y + jitter.y });
  }
  for (const tie of ties) {
    if (tie.source === tie.target || !graph.hasNode(tie.source) || !graph.hasNode(tie.target)) continue;
    if (placed.has(tie.source) && placed.has(tie.target)) continue; // no force moves a fixed pair
    const key = tie.source < tie.target ? `${tie.source}|${tie.target}` : `${tie.target}|${tie.source}`;
    if (graph.hasEdge(key)) graph.updateEdgeAttribute(key, "weight", (w: number) => w + tie.weight);
    else graph.addUndirectedEdgeWithKey(key, tie.source, tie.target, { weight: tie.weight });
  }
  forceAtlas2.assign(graph, {
    iterations: 100,
    getEdgeWeight: "weight",
    settings: { ...forceAtlas2.inferSettings(graph), gravity: 1, scalingRatio: 10, barnesHutOptimize: graph.order > 500 },
  });
  const out = new Map(placed);
  for (const id of fresh) out.set(id, { x: graph.getNodeAttribute(id, "x") as number, y: graph.getNodeAttribute(id, "y") as number });
  return out;
}

type Positions = Map<string, { x: number; y: number }>;
type Asked = { resolve: (positions: Positions) => void; args: [Positions, string[], Tie[]] };
let worker: Worker | null = null;
let workerFailed = false;
let asked = 0;
const waiting = new Map<number, Asked>();

/**
 * :func:`extendLayout` (:func:`stableLayout` when nothing is placed yet) in a web worker, so
 * the page keeps drawing frames meanwhile. In the page itself where workers are unavailable
 * or the worker fails: then what was waiting for it is laid out here, so nothing waits forever.
 */
export function layOut(placed: Positions, nodes: string[], ties: Tie[]): Promise<Positions> {
  if (typeof Worker === "undefined" || workerFailed) return Promise.resolve(extendLayout(placed, nodes, ties));
  if (worker === null) {
    worker = new Worker(new URL("./layout.worker.ts", import.meta.url), { type: "module" });
    worker.onmessage = (event: MessageEvent<{ id: number; positions: [string, { x: number; y: number }][] }>) => {
      waiting.get(event.data.id)?.resolve(new Map(event.data.positions));
      waiting.delete(event.data.id);
    };
    worker.onerror = () => {
      workerFailed = true;
      worker?.terminate();
      worker = null;
      for (const { resolve, args } of waiting.values()) resolve(extendLayout(...args));
      waiting.clear();
    };
  }
  const id = ++asked;
  const answer = new Promise<Positions>((resolve) => waiting.set(id, { resolve, args: [placed, nodes, ties] }));
  worker.postMessage({ id, placed: [...placed], nodes, ties });
  return answer;
}
