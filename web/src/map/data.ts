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
  betweenness: number;
  constraint: number | null;
  effectiveSize: number | null;
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

export interface MapData {
  deidentified: boolean;
  periods: PeriodGraph[];
  figures: PeriodFigures[];
}

export interface Breakdowns {
  blackHoles: { organizationId: string; name: string | null; sent: number | null; acknowledged: number | null; acknowledgementRate: number | null }[];
  repeatedDeclines: { sourceId: string; targetId: string; sent: number | null; declined: number | null }[];
  serviceGaps: { needCode: string | null; territoryId: string | null; sent: number | null; gapDeclines: number | null; gapShare: number | null; providers: number }[];
  uncoveredNeeds: { territoryId: string; needCode: string }[];
  criticalOrganizations: { organizationId: string; name: string | null; disconnects: boolean; soleProviderOf: { territoryId: string; needCode: string }[] }[];
  byReceiver: { receiverId: string | null; sent: number | null; acknowledged: number | null; accepted: number | null; completed: number | null; declined: number | null; acknowledgementRate: number | null; completionRate: number | null }[];
}

const NODE = `id name kind territoryId community inDegree outDegree inStrength outStrength betweenness constraint
  effectiveSize partnersGained partnersLost acknowledgementRate acceptanceRate completionRate medianHoursToAcknowledge overdue`;
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

export async function loadMap(networkIds: string[], from: string, to: string, period: string): Promise<MapData> {
  const query = `query Map(${declared(networkIds)}, $from: Date!, $to: Date!, $period: Period!) { view: ${scope(networkIds, BODY)} }`;
  const data = await gql<{ view: Root | null }>(query, { ...args(networkIds), from, to, period });
  if (data.view === null) throw new Error("no network");
  return {
    deidentified: data.view.collaboration.deidentified,
    periods: data.view.collaboration.periods,
    figures: data.view.evolution.periods,
  };
}

export async function loadBreakdowns(networkIds: string[], from: string, to: string): Promise<Breakdowns> {
  const query = `query Breakdowns(${declared(networkIds)}, $from: Date!, $to: Date!) { view: ${scope(networkIds, BREAKDOWNS)} }`;
  const data = await gql<{ view: { breakdowns: Breakdowns } | null }>(query, { ...args(networkIds), from, to });
  if (data.view === null) throw new Error("no network");
  return data.view.breakdowns;
}
