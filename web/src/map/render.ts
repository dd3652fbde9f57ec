// The period's network drawn by sigma.js (WebGL): organizations sized by referral volume and
// coloured by kind or community, directed referral flows coloured by acknowledgement rate or by
// change (new, persisting, dissolved since the period before), declared partnerships as a layer.
import Graph from "graphology";
import Sigma from "sigma";
import type { Flow, NodeMeasures, PeriodGraph } from "./data";
import { composePng, graphSvg } from "./export";

export type NodeColouring = "kind" | "community";
export type EdgeColouring = "acknowledgement" | "change";

export interface DrawOptions {
  nodeColouring: NodeColouring;
  edgeColouring: EdgeColouring;
  partnerships: boolean;
  /** Organizations to stand out (breakdowns); everything else is faded when non-empty. */
  highlighted: Set<string>;
  /** Ties to stand out (repeated declines), "source|target". */
  highlightedTies: Set<string>;
  hidden: (node: NodeMeasures) => boolean;
  selected: string | null;
  labelOf: (node: NodeMeasures) => string;
  /** At most this many referral ties drawn, the strongest (null: every tie). */
  tieBudget: number | null;
}

/** How many referral ties a draw showed, of those between the organizations it showed. */
export interface Drawn {
  ties: number;
  of: number;
}

/**
 * Above this many ties a period is drawn with its strongest ties only (and every tie of the
 * selected organization, every highlighted tie): a month of a 2,000-organization
 * region holds 20,000–36,000, far more than a map at laptop width can show, and each draw in
 * Chromium's software WebGL costs about 50 ms per thousand ties.
 */
export const TIE_BUDGET = 4000;

/** ``flows`` within ``budget``: those that must stand out, then the most referrals first. */
function strongest(flows: Flow[], budget: number | null, keeps: (flow: Flow) => boolean): Flow[] {
  if (budget === null || flows.length <= budget) return flows;
  const kept = flows.filter(keeps);
  const rest = flows.filter((f) => !keeps(f)).sort((a, b) => (b.sent ?? 0) - (a.sent ?? 0));
  return [...kept, ...rest.slice(0, Math.max(0, budget - kept.length))];
}

// Colour-blind-safe palette (Okabe–Ito), then two greys.
const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000", "#999999", "#666666"];
const KINDS = ["COMMUNITY", "HEALTH_SOCIAL_SERVICES", "SCHOOL", "CHILDCARE", "FOOD_SECURITY", "HOUSING", "EMPLOYMENT", "MUNICIPAL", "OTHER"];
export const ACK_COLOURS = { low: "#c0392b", mid: "#e08e0b", high: "#1e8449", unknown: "#9aa3ad" };
export const CHANGE_COLOURS = { new: "#0072B2", persisting: "#6b7683", dissolved: "#d0d5db" };
const FADED = "#dde1e6";

export function kindColour(kind: string): string {
  const index = KINDS.indexOf(kind);
  return PALETTE[index < 0 ? PALETTE.length - 1 : index];
}

export function communityColour(community: number | null): string {
  return community === null ? PALETTE[9] : PALETTE[community % 8];
}

export function ackColour(flow: Flow): string {
  if (!flow.sent || flow.acknowledged === null) return ACK_COLOURS.unknown;
  const rate = flow.acknowledged / flow.sent;
  return rate < 0.5 ? ACK_COLOURS.low : rate < 0.8 ? ACK_COLOURS.mid : ACK_COLOURS.high;
}

export const tieKey = (source: string, target: string): string => `${source}|${target}`;

export class NetworkMap {
  private readonly graph = new Graph({ type: "mixed", multi: true });
  private readonly sigma: Sigma;
  private readonly container: HTMLElement;

  constructor(container: HTMLElement, onClick: (node: string | null) => void) {
    this.container = container;
    this.sigma = new Sigma(this.graph, container, {
      defaultEdgeType: "arrow",
      renderEdgeLabels: false,
      labelRenderedSizeThreshold: 9,
      labelDensity: 0.5,
      zIndex: true,
      minCameraRatio: 0.1,
      maxCameraRatio: 4,
      allowInvalidContainer: true,
    });
    this.sigma.on("clickNode", ({ node }) => onClick(node));
    this.sigma.on("clickStage", () => onClick(null));
  }

  draw(
    period: PeriodGraph,
    previous: PeriodGraph | null,
    positions: Map<string, { x: number; y: number }>,
    options: DrawOptions,
  ): Drawn {
    const graph = this.graph;
    graph.clear();
    const emphasis = options.highlighted.size > 0 || options.highlightedTies.size > 0;
    for (const node of period.nodes) {
      if (options.hidden(node)) continue;
      const place = positions.get(node.id) ?? { x: 0, y: 0 };
      const volume = (node.inStrength ?? node.inDegree) + (node.outStrength ?? node.outDegree);
      const stands = options.highlighted.has(node.id) || node.id === options.selected;
      const colour = options.nodeColouring === "kind" ? kindColour(node.kind) : communityColour(node.community);
      graph.addNode(node.id, {
        x: place.x,
        y: place.y,
        size: 3 + 2.2 * Math.sqrt(volume),
        color: emphasis && !stands ? FADED : colour,
        label: options.labelOf(node),
        zIndex: stands ? 2 : 1,
        forceLabel: stands,
        highlighted: node.id === options.selected,
      });
    }
    const current = new Set(period.edges.map((e) => tieKey(e.source, e.target)));
    const before = new Set((previous?.edges ?? []).map((e) => tieKey(e.source, e.target)));
    if (options.partnerships) {
      for (const link of period.partnerships) {
        if (!graph.hasNode(link.source) || !graph.hasNode(link.target)) continue;
        graph.addUndirectedEdge(link.source, link.target, { type: "line", size: 1.5, color: "#b39ddb", zIndex: 0 });
      }
    }
    const keeps = (flow: Flow): boolean =>
      options.highlightedTies.has(tieKey(flow.source, flow.target)) ||
      flow.source === options.selected || flow.target === options.selected;
    // The budget goes to ties the filters leave on the map, not to ties of hidden organizations.
    const shown = (e: Flow): boolean => e.source !== e.target && graph.hasNode(e.source) && graph.hasNode(e.target);
    const visible = period.edges.filter(shown);
    const flows = strongest(visible, options.tieBudget, keeps);
    if (options.edgeColouring === "change" && previous) {
      const budget = options.tieBudget === null ? null : Math.round(options.tieBudget / 4);
      const dissolved = previous.edges.filter((e) => shown(e) && !current.has(tieKey(e.source, e.target)));
      for (const flow of strongest(dissolved, budget, keeps)) {
        const key = tieKey(flow.source, flow.target);
        if (current.has(key) || !graph.hasNode(flow.source) || !graph.hasNode(flow.target)) continue;
        graph.addDirectedEdge(flow.source, flow.target, { size: 1, color: CHANGE_COLOURS.dissolved, zIndex: 0 });
      }
    }
    for (const flow of flows) {
      if (!graph.hasNode(flow.source) || !graph.hasNode(flow.target) || flow.source === flow.target) continue;
      const key = tieKey(flow.source, flow.target);
      const colour =
        options.edgeColouring === "acknowledgement"
          ? ackColour(flow)
          : previous === null || before.has(key)
            ? CHANGE_COLOURS.persisting
            : CHANGE_COLOURS.new;
      const stands = options.highlightedTies.has(key);
      const touchesSelected = options.selected !== null && (flow.source === options.selected || flow.target === options.selected);
      graph.addDirectedEdge(flow.source, flow.target, {
        kind: "flow",
        size: 0.8 + 1.4 * Math.log2(1 + (flow.sent ?? 1)),
        color: stands ? "#8b0000" : emphasis && !touchesSelected ? FADED : colour,
        zIndex: stands || touchesSelected ? 2 : 1,
      });
    }
    this.sigma.refresh();
    return { ties: flows.length, of: visible.length };
  }

  /** Where each drawn organization is (graph coordinates): the same from one period to the next. */
  positions(): Record<string, [number, number]> {
    const out: Record<string, [number, number]> = {};
    this.graph.forEachNode((id, a) => {
      out[id] = [a.x as number, a.y as number];
    });
    return out;
  }

  /** The map as drawn now, as a PNG. */
  png(): Promise<Blob> {
    return composePng(this.sigma, this.container);
  }

  /** The map as drawn now, as an SVG document titled ``title``. */
  svg(title: string): string {
    return graphSvg(this.sigma, this.graph, title);
  }

  /** Nothing drawn: the period shown is not loaded yet. */
  clear(): void {
    this.graph.clear();
    this.sigma.refresh();
  }

  edgeCount(): number {
    return this.graph.size;
  }

  /** The referral ties drawn, as "source|target" (partnerships and dissolved ties left out). */
  tiesDrawn(): string[] {
    const out: string[] = [];
    this.graph.forEachEdge((_, a, source, target) => {
      if (a.kind === "flow") out.push(tieKey(source, target));
    });
    return out;
  }

  kill(): void {
    this.sigma.kill();
  }
}
