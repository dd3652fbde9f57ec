// The map as an image: a PNG of what sigma.js drew (its canvases, composed on white) and an SVG
// written from the drawn graph (viewport positions, colours and labels as shown).
import type Graph from "graphology";
import type Sigma from "sigma";

const SVG_NS = "http://www.w3.org/2000/svg";

/** One PNG of sigma's stacked canvases (edges, nodes, labels…), in their order on the page. */
export function composePng(sigma: Sigma, container: HTMLElement): Promise<Blob> {
  // A synchronous render first: WebGL canvases keep their pixels only until the next frame.
  sigma.refresh();
  const canvases = [...container.querySelectorAll("canvas")];
  const { width, height } = sigma.getDimensions();
  const ratio = canvases.length > 0 ? canvases[0].width / Math.max(1, canvases[0].clientWidth || width) : 1;
  const out = document.createElement("canvas");
  out.width = Math.max(1, Math.round(width * ratio));
  out.height = Math.max(1, Math.round(height * ratio));
  const context = out.getContext("2d");
  if (!context) return Promise.reject(new Error("canvas"));
  context.fillStyle = "#ffffff";
  context.fillRect(0, 0, out.width, out.height);
  for (const canvas of canvases) {
    if (canvas.width === 0 || canvas.height === 0) continue;
    context.drawImage(canvas, 0, 0, out.width, out.height);
  }
  return new Promise((resolve, reject) => out.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("png"))), "image/png"));
}

/** An SVG document of the drawn graph: one circle and label per organization, one line per tie. */
export function graphSvg(sigma: Sigma, graph: Graph, title: string): string {
  const { width, height } = sigma.getDimensions();
  const doc = document.implementation.createDocument(SVG_NS, "svg", null);
  const svg = doc.documentElement;
  const set = (el: Element, attrs: Record<string, string | number>): Element => {
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    return el;
  };
  const add = (parent: Element, name: string, attrs: Record<string, string | number>): Element =>
    parent.appendChild(set(doc.createElementNS(SVG_NS, name), attrs));
  set(svg, { width, height, viewBox: `0 0 ${width} ${height}`, "font-family": "sans-serif" });
  add(svg, "title", {}).textContent = title;
  add(svg, "rect", { width, height, fill: "#ffffff" });
  const defs = add(svg, "defs", {});
  const markers = new Map<string, string>();
  const marker = (colour: string): string => {
    let id = markers.get(colour);
    if (id) return id;
    id = `arrow-${markers.size}`;
    markers.set(colour, id);
    const m = add(defs, "marker", { id, viewBox: "0 0 10 10", refX: 10, refY: 5, markerUnits: "userSpaceOnUse", markerWidth: 8, markerHeight: 8, orient: "auto-start-reverse" });
    add(m, "path", { d: "M 0 0 L 10 5 L 0 10 z", fill: colour });
    return id;
  };
  const place = (node: string): { x: number; y: number; r: number } => {
    const a = graph.getNodeAttributes(node);
    const p = sigma.graphToViewport({ x: a.x as number, y: a.y as number });
    return { x: p.x, y: p.y, r: sigma.scaleSize(a.size as number) };
  };
  const round = (v: number): string => v.toFixed(1);
  const edges = add(svg, "g", { class: "ties" });
  const drawnEdges = graph.edges().map((e) => ({ e, z: (graph.getEdgeAttribute(e, "zIndex") as number) ?? 0 }));
  drawnEdges.sort((a, b) => a.z - b.z);
  for (const { e } of drawnEdges) {
    const a = graph.getEdgeAttributes(e);
    const s = place(graph.source(e));
    const t = place(graph.target(e));
    const colour = String(a.color ?? "#999999");
    const directed = graph.isDirected(e);
    // Stop an arrow at the target's rim, as sigma draws it.
    const dx = t.x - s.x;
    const dy = t.y - s.y;
    const length = Math.hypot(dx, dy) || 1;
    const end = directed ? { x: t.x - (dx / length) * t.r, y: t.y - (dy / length) * t.r } : t;
    const line = add(edges, "line", {
      x1: round(s.x), y1: round(s.y), x2: round(end.x), y2: round(end.y),
      stroke: colour, "stroke-width": round(Math.max(0.5, sigma.scaleSize(Number(a.size ?? 1)))),
      "stroke-opacity": 0.85,
    });
    if (directed) line.setAttribute("marker-end", `url(#${marker(colour)})`);
  }
  const nodes = add(svg, "g", { class: "organizations" });
  const labels = add(svg, "g", { class: "labels", "font-size": 12, fill: "#1b1f24" });
  const ordered = graph.nodes().sort((a, b) => ((graph.getNodeAttribute(a, "zIndex") as number) ?? 0) - ((graph.getNodeAttribute(b, "zIndex") as number) ?? 0));
  for (const node of ordered) {
    const a = graph.getNodeAttributes(node);
    const p = place(node);
    const circle = add(nodes, "circle", { cx: round(p.x), cy: round(p.y), r: round(Math.max(1, p.r)), fill: String(a.color ?? "#999999"), "data-id": node });
    const label = String(a.label ?? "");
    add(circle, "title", {}).textContent = label;
    if (label) add(labels, "text", { x: round(p.x + p.r + 3), y: round(p.y + 4) }).textContent = label;
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(doc)}\n`;
}

/** Save ``blob`` as ``name`` through a temporary <a download> link. */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
