// What the map asks the analytics API for: one network, or several together (the region view).
import { gql } from "../api";

export interface NodeMeasures {
  id: string;
  name: string | null;
  kind: string;
  territoryId: string | null;
  community: number | null;
  inDegree: number;
  outDegree: number;
  inStrength: number | null;
  outStrength: number | null;
  partnersGained: number | null;
  partnersLost: number | null;
  acknowledgementRate: number | null;
  acceptanceRate: number | null;
  completionRate: number | null;
  medianHoursToAcknowledge: number | null;
  overdue: number | null;
}

export interface Flow {
  source: string;
  target: string;
  sent: number | null;
  acknowledged: number | null;
  completed: number | null;
  declined: number | null;
}

export interface PeriodGraph {
  start: string;
  end: string;
  metrics: { referrals: number | null };
  nodes: NodeMeasures[];
  edges: Flow[];
  partnerships: { source: string; target: string; kinds: string[] }[];
}

export interface PeriodFigures {
  start: string;
  end: string;
  organizations: number;
  ties: number;
  density: number;
  reciprocity: number;
  transitivity: number;
  components: number;
  largestComponentShare: number;
  degreeCentralization: number;
  communities: number;
  modularity: number;
  newTies: number | null;
  dissolvedTies: number | null;
  persistingTies: number | null;
  jaccard: number | null;
  communityStability: number | null;
}

/** One part of the window as the API gives it: its periods' graphs and figures. */
export interface MapSlice {
  deidentified: boolean;
  periods: PeriodGraph[];
  figures: PeriodFigures[];
}

/** The window as the map holds it: every period's bounds, and the graphs and figures loaded so far. */
export interface MapData {
  deidentified: boolean;
  bounds: Bounds[];
  periods: (PeriodGraph | null)[];
  figures: (PeriodFigures | null)[];
  complete: boolean;
  /** A run's request failed: the periods not loaded stay so until the view is asked again. */
  failed?: boolean;
}

export interface Bounds {
  start: string;
  end: string;
}

/** Brokerage of one organization in one period (computed on demand: the costliest measures). */
export interface Brokerage {
  betweenness: number | null;
  constraint: number | null;
  effectiveSize: number | null;
}

export interface Breakdowns {
  blackHoles: { organizationId: string; name: string | null; sent: number | null; acknowledged: number | null; acknowledgementRate: number | null }[];
  repeatedDeclines: { sourceId: string; targetId: string; sent: number | null; declined: number | null }[];
  serviceGaps: { needCode: string | null; territoryId: string | null; sent: number | null; gapDeclines: number | null; gapShare: number | null; providers: number }[];
  uncoveredNeeds: { territoryId: string; needCode: string }[];
  criticalOrganizations: { organizationId: string; name: string | null; disconnects: boolean; soleProviderOf: { territoryId: string; needCode: string }[] }[];
  byReceiver: { receiverId: string | null; sent: number | null; acknowledged: number | null; accepted: number | null; completed: number | null; declined: number | null; acknowledgementRate: number | null; completionRate: number | null }[];
}

// Without betweenness, constraint and effective size: the server computes those only when asked
// (schema/analytics_shared.asks_brokerage), and the map asks for them when a profile opens.
const NODE = `id name kind territoryId community inDegree outDegree inStrength outStrength partnersGained partnersLost acknowledgementRate acceptanceRate completionRate medianHoursToAcknowledge overdue`;
const FIGURES = `start end organizations ties density reciprocity transitivity components largestComponentShare
  degreeCentralization communities modularity newTies dissolvedTies persistingTies jaccard communityStability`;
const BODY = `
  collaboration(from: $from, to: $to, period: $period) {
    deidentified
    periods { start end metrics { referrals } nodes { ${NODE} }
      edges { source target sent acknowledged completed declined } partnerships { source target kinds } }
  }
  evolution(from: $from, to: $to, period: $period) { periods { ${FIGURES} } }`;
const BREAKDOWNS = `
  breakdowns(from: $from, to: $to) {
    blackHoles { organizationId name sent acknowledged acknowledgementRate }
    repeatedDeclines { sourceId targetId sent declined }
    serviceGaps { needCode territoryId sent gapDeclines gapShare providers }
    uncoveredNeeds { territoryId needCode }
    criticalOrganizations { organizationId name disconnects soleProviderOf { territoryId needCode } }
    byReceiver { receiverId sent acknowledged accepted completed declined acknowledgementRate completionRate }
  }`;

type Root = { collaboration: { deidentified: boolean; periods: PeriodGraph[] }; evolution: { periods: PeriodFigures[] } };

function scope(networkIds: string[], body: string): string {
  return networkIds.length === 1
    ? `network(id: $id) { ${body} }`
    : `region(networkIds: $ids) { ${body} }`;
}

function args(networkIds: string[]): Record<string, unknown> {
  return networkIds.length === 1 ? { id: networkIds[0] } : { ids: networkIds };
}

function declared(networkIds: string[]): string {
  return networkIds.length === 1 ? "$id: ID!" : "$ids: [ID!]";
}

const MONTHS: Record<string, number> = { MONTH: 1, QUARTER: 3, YEAR: 12 };

function day(text: string): Date {
  return new Date(`${text}T00:00:00Z`);
}

function iso(value: Date): string {
  return value.toISOString().slice(0, 10);
}

/**
 * The window's periods, as the server cuts them (graph/aggregates/queries.Window.periods):
 * calendar months, quarters or years, the first and last clipped to the window.
 */
export function periodsOf(from: string, to: string, period: string): Bounds[] {
  const months = MONTHS[period] ?? 3;
  const first = day(from);
  const last = day(to);
  const out: Bounds[] = [];
  let unit = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() - (first.getUTCMonth() % months), 1));
  while (unit <= last) {
    const following = new Date(Date.UTC(unit.getUTCFullYear(), unit.getUTCMonth() + months, 1));
    const end = new Date(following.getTime() - 86_400_000);
    out.push({ start: iso(unit < first ? first : unit), end: iso(end > last ? last : end) });
    unit = following;
  }
  return out;
}

/** How long one request for a run of periods should take: well under the 30 s request limit. */
export const RUN_TARGET_MS = 6000;

/**
 * The next run of periods to ask for, newest first: the ``length`` periods ending before
 * ``end`` (an index in ``bounds``). A run is one request, and the server computes its periods
 * exactly as in one request for the whole window, since each request also reads the period
 * before its first. Only a clipped first period would differ (the period after it would be
 * compared with the whole calendar unit), so it is never left as a run of its own.
 */
export function runBefore(bounds: Bounds[], end: number, length: number, period: string): Bounds[] {
  const months = MONTHS[period] ?? 3;
  let start = Math.max(0, end - length);
  const head = bounds.length > 0 ? day(bounds[0].start) : null;
  const clipped = head !== null && (head.getUTCDate() !== 1 || head.getUTCMonth() % months !== 0);
  if (start === 1 && clipped) start = 0;
  return bounds.slice(start, end);
}

/**
 * How many periods to ask for next, from how long the last run took: as many as fit in
 * :data:`RUN_TARGET_MS` at that pace, at least one, at most a year's worth. The map opens
 * with one period (the newest); a small network then loads a year per request, a large
 * region a month or two.
 */
export function nextRunLength(last: number, tookMs: number, period: string): number {
  const most = Math.max(1, Math.round(12 / (MONTHS[period] ?? 3)));
  return Math.max(1, Math.min(most, Math.floor((last * RUN_TARGET_MS) / Math.max(tookMs, 1))));
}

export async function loadMap(networkIds: string[], from: string, to: string, period: string): Promise<MapSlice> {
  const query = `query Map(${declared(networkIds)}, $from: Date!, $to: Date!, $period: Period!) { view: ${scope(networkIds, BODY)} }`;
  const data = await gql<{ view: Root | null }>(query, { ...args(networkIds), from, to, period });
  if (data.view === null) throw new Error("no network");
  return {
    deidentified: data.view.collaboration.deidentified,
    periods: data.view.collaboration.periods,
    figures: data.view.evolution.periods,
  };
}

/** Betweenness, constraint and effective size of every organization of one period. */
export async function loadBrokerage(networkIds: string[], bounds: Bounds, period: string): Promise<Map<string, Brokerage>> {
  const body = `collaboration(from: $from, to: $to, period: $period) { periods { nodes { id betweenness constraint effectiveSize } } }`;
  const query = `query Brokerage(${declared(networkIds)}, $from: Date!, $to: Date!, $period: Period!) { view: ${scope(networkIds, body)} }`;
  const data = await gql<{ view: { collaboration: { periods: { nodes: (Brokerage & { id: string })[] }[] } } | null }>(
    query, { ...args(networkIds), from: bounds.start, to: bounds.end, period });
  if (data.view === null) throw new Error("no network");
  return new Map(data.view.collaboration.periods.flatMap((p) => p.nodes).map((n) => [n.id, n]));
}

export async function loadBreakdowns(networkIds: string[], from: string, to: string): Promise<Breakdowns> {
  const query = `query Breakdowns(${declared(networkIds)}, $from: Date!, $to: Date!) { view: ${scope(networkIds, BREAKDOWNS)} }`;
  const data = await gql<{ view: { breakdowns: Breakdowns } | null }>(query, { ...args(networkIds), from, to });
  if (data.view === null) throw new Error("no network");
  return data.view.breakdowns;
}
