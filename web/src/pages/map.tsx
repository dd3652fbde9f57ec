// The coordinator's network map over time: a time slider over the window, the period's
// figures and trends beside the map, breakdowns highlighted on it, and an organization's
// profile on click. Researchers see the same, de-identified (pseudonyms, no names).
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { download, gql } from "../api";
import { explain } from "../errors";
import { date } from "../format";
import { lang, t, tKey, type Word } from "../i18n";
import {
  loadBreakdowns, loadBrokerage, loadMap, nextRunLength, periodsOf, runBefore,
  type Breakdowns, type Brokerage, type MapData, type MapSlice, type NodeMeasures, type PeriodGraph,
} from "../map/data";
import { saveBlob } from "../map/export";
import { layOut, type Tie } from "../map/layout";
import { ACK_COLOURS, CHANGE_COLOURS, NetworkMap, TIE_BUDGET, kindColour, tieKey, type Drawn, type EdgeColouring, type NodeColouring } from "../map/render";
import { label, termsOf } from "../vocab";

interface NetworkRef {
  id: string;
  name: string;
}

const FIGURES = [
  "organizations", "ties", "density", "reciprocity", "transitivity", "components",
  "degreeCentralization", "communities", "communityStability", "newTies", "dissolvedTies", "jaccard",
] as const;

declare global {
  interface Window {
    maillageMap?: {
      positions: () => Record<string, [number, number]>;
      edges: () => number;
      ties?: () => string[];
      period: () => number;
      bounds?: () => { start: string; end: string }[];
      highlighted?: () => string[];
    };
  }
}

function number(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined) return "—";
  if (Number.isInteger(value)) return value.toLocaleString(lang() === "fr" ? "fr-CA" : "en-CA");
  return value.toFixed(digits);
}

/** A measure between counts (0 is "0.000", not "0"). */
function ratio(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : value.toFixed(3);
}

const COUNTS = new Set(["organizations", "ties", "components", "communities", "newTies", "dissolvedTies"]);

function percent(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : `${Math.round(value * 100)} %`;
}

function defaultWindow(): [string, string] {
  const year = new Date().getFullYear();
  return [`${year - 2}-01-01`, `${year}-12-31`];
}

export function MapPage({ networkIds, coordinated = [] }: { networkIds: string[]; coordinated?: string[] }) {
  const [networks, setNetworks] = useState<NetworkRef[]>([]);
  const [chosen, setChosen] = useState<string[]>(networkIds.slice(0, 1));
  const [[from, to], setWindow] = useState(defaultWindow());
  const [period, setPeriod] = useState("QUARTER");
  const [data, setData] = useState<MapData | null>(null);
  const [index, setIndex] = useState(0);
  const [breakdowns, setBreakdowns] = useState<(Breakdowns & { start: string; end: string }) | null>(null);
  const [nodeColouring, setNodeColouring] = useState<NodeColouring>("kind");
  const [edgeColouring, setEdgeColouring] = useState<EdgeColouring>("acknowledgement");
  const [partnerships, setPartnerships] = useState(false);
  const [highlight, setHighlight] = useState(false);
  const [kind, setKind] = useState("");
  const [territory, setTerritory] = useState("");
  const [territories, setTerritories] = useState<{ id: string; name: string }[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [tableOpen, setTableOpen] = useState(false);
  const [allTies, setAllTies] = useState(false);
  const [tieBudget, setTieBudget] = useState(TIE_BUDGET);
  const [drawn, setDrawn] = useState<Drawn | null>(null);
  const [positions, setPositions] = useState(new Map<string, { x: number; y: number }>());
  // Brokerage per period start, asked when a profile opens (computed by the server on demand).
  const [brokerage, setBrokerage] = useState(new Map<string, Map<string, Brokerage>>());
  // What the map shows was loaded with these: the downloads cover the same networks and window.
  const [loadedWith, setLoadedWith] = useState<{ networks: string[]; from: string; to: string; period: string } | null>(null);
  const [exporting, setExporting] = useState<string | null>(null);
  const container = useRef<HTMLDivElement>(null);
  const map = useRef<NetworkMap | null>(null);

  useEffect(() => {
    gql<{ networks: NetworkRef[]; territories: { id: string; name: string }[] }>(`query { networks { id name } territories { id name } }`).then(
      (d) => {
        setNetworks(d.networks.filter((n) => networkIds.includes(n.id)));
        setTerritories(d.territories);
      },
      (err) => setError(explain(err)),
    );
  }, [networkIds.join()]);

  // Only the latest request's answer is shown: an earlier, slower one never overwrites it.
  // The window comes in runs, newest first (runBefore; each as long as fits in a few seconds,
  // nextRunLength): the map opens on the newest period with referrals as soon as the runs in
  // give the layout a skeleton, and older periods fill the slider as they arrive.
  const latest = useRef(0);
  const [shown, setShown] = useState("");
  const load = async (): Promise<void> => {
    if (chosen.length === 0) return;
    const request = ++latest.current;
    const networksAsked = [...chosen].sort();
    const bounds = periodsOf(from, to, period);
    setLoading(true);
    setError(null);
    let view: MapData | null = null;
    let placed = new Map<string, { x: number; y: number }>();
    let opened = false;
    const open = async (at: number, complete: boolean): Promise<boolean> => {
      if (!view) return false;
      placed = await layOut(new Map(), nodesOf(view.periods), tiesOf(view.periods));
      if (request !== latest.current) return false;
      opened = true;
      setData({ ...view, complete });
      setPositions(placed);
      setShown(networksAsked.join(","));
      setLoadedWith({ networks: networksAsked, from, to, period });
      setBrokerage(new Map());
      setIndex(at);
      setSelected(null);
      setLoading(false);
      return true;
    };
    try {
      for (let end = bounds.length, length = 1; end > 0; ) {
        const run = runBefore(bounds, end, length, period);
        const began = performance.now();
        const slice = await loadMap(networksAsked, run[0].start, run[run.length - 1].end, period);
        if (request !== latest.current) return;
        end -= run.length;
        length = nextRunLength(run.length, performance.now() - began, period);
        view = merged(view ?? empty(slice.deidentified, bounds), slice);
        if (!opened) {
          const at = lastWithTies(view);
          if (at >= 0 && skeleton(view) && !(await open(at, false))) return;
        } else {
          placed = await layOut(placed, nodesOf(slice.periods), tiesOf(slice.periods));
          if (request !== latest.current) return;
          setData(view);
          setPositions(placed);
        }
      }
      if (!view) return;
      if (!opened) await open(bounds.length - 1, true);
      else setData({ ...view, complete: true });
    } catch (err) {
      if (request === latest.current) {
        setError(explain(err));
        setLoading(false);
        // The periods already in stay; the others are marked as not loaded, not as loading.
        if (opened && view) setData({ ...view, failed: true });
      }
    }
  };
  useEffect(() => {
    void load();
  }, [chosen.join()]);

  const current = data?.periods[index] ?? null;
  const previous = index > 0 ? (data?.periods[index - 1] ?? null) : null;
  const bound = data?.bounds[index] ?? null;
  // The breakdowns of the period shown, once the slider has rested on it for a moment (a drag
  // over twelve periods asks once, not twelve times), one request at a time: while one is on
  // its way, only the last period wanted is remembered, and asked next.
  type Wanted = { networks: string[]; start: string; end: string };
  const wantedBreakdowns = useRef<Wanted | null>(null);
  const breakdownsBusy = useRef(false);
  const askBreakdowns = async (): Promise<void> => {
    if (breakdownsBusy.current) return;
    breakdownsBusy.current = true;
    try {
      for (let want = wantedBreakdowns.current; want !== null; want = wantedBreakdowns.current) {
        try {
          const b = await loadBreakdowns(want.networks, want.start, want.end);
          if (wantedBreakdowns.current === want) setBreakdowns({ ...b, start: want.start, end: want.end });
        } catch (err) {
          if (wantedBreakdowns.current === want) setError(explain(err));
        }
        if (wantedBreakdowns.current === want) wantedBreakdowns.current = null;
      }
    } finally {
      breakdownsBusy.current = false;
    }
  };
  useEffect(() => {
    if (!bound || !loadedWith) return undefined;
    const want = { networks: loadedWith.networks, start: bound.start, end: bound.end };
    const timer = setTimeout(() => {
      wantedBreakdowns.current = want;
      void askBreakdowns();
    }, 400);
    return () => clearTimeout(timer);
  }, [bound?.start, loadedWith]);

  // An answer for a view since replaced (other networks, window or period) is dropped.
  const viewShown = useRef(loadedWith);
  viewShown.current = loadedWith;
  useEffect(() => {
    if (!selected || !bound || !loadedWith || brokerage.has(bound.start)) return;
    const { start } = bound;
    const asked = loadedWith;
    loadBrokerage(loadedWith.networks, bound, loadedWith.period).then(
      (values) => viewShown.current === asked && setBrokerage((known) => new Map(known).set(start, values)),
      (err) => viewShown.current === asked && setError(explain(err)),
    );
  }, [selected, bound?.start, loadedWith]);

  const names = useMemo(() => {
    const out = new Map<string, string>();
    data?.periods.forEach((p) => p?.nodes.forEach((n) => n.name && out.set(n.id, n.name)));
    return out;
  }, [data]);
  const nameOf = (id: string): string => names.get(id) ?? `#${id.slice(0, 8)}`;

  useEffect(() => {
    if (!container.current || map.current) return undefined;
    map.current = new NetworkMap(container.current, setSelected);
    window.maillageMap = {
      positions: () => map.current?.positions() ?? {},
      edges: () => map.current?.edgeCount() ?? 0,
      period: () => index,
    };
    return () => {
      map.current?.kill();
      map.current = null;
    };
  }, [container.current]);

  const flagged = useMemo(() => {
    const nodes = new Set<string>();
    const ties = new Set<string>();
    if (highlight && breakdowns) {
      breakdowns.blackHoles.forEach((b) => nodes.add(b.organizationId));
      breakdowns.criticalOrganizations.forEach((c) => nodes.add(c.organizationId));
      breakdowns.repeatedDeclines.forEach((r) => ties.add(tieKey(r.sourceId, r.targetId)));
    }
    return { nodes, ties };
  }, [highlight, breakdowns]);

  useEffect(() => {
    if (!map.current || !data) return;
    if (!current) {
      map.current.clear();
      return;
    }
    window.maillageMap = {
      ...(window.maillageMap ?? { positions: () => ({}), edges: () => 0 }),
      period: () => index,
      bounds: () => data.bounds,
      ties: () => map.current?.tiesDrawn() ?? [],
      highlighted: () => [...flagged.nodes].filter((id) => current.nodes.some((n) => n.id === id)),
    };
    const done = map.current.draw(current, previous, positions, {
      nodeColouring,
      edgeColouring,
      partnerships,
      highlighted: flagged.nodes,
      highlightedTies: flagged.ties,
      hidden: (n: NodeMeasures) => (kind !== "" && n.kind !== kind) || (territory !== "" && n.territoryId !== territory),
      selected,
      labelOf: (n: NodeMeasures) => n.name ?? `#${n.id.slice(0, 8)}`,
      tieBudget: allTies ? null : tieBudget,
    });
    setDrawn((before) => (before && before.ties === done.ties && before.of === done.of ? before : done));
  }, [current, previous, positions, nodeColouring, edgeColouring, partnerships, flagged, kind, territory, selected, allTies, tieBudget]);

  const periodLabel = bound ? `${date(bound.start)} – ${date(bound.end)}` : "";
  const canReport = loadedWith !== null && loadedWith.networks.every((n) => coordinated.includes(n));
  const stem = (kind: string): string =>
    `maillage-${kind}-${bound ? `${bound.start}-${bound.end}` : "carte"}`;
  const save = async (what: string, make: () => Promise<[Blob, string]>): Promise<void> => {
    setExporting(what);
    setError(null);
    try {
      const [blob, name] = await make();
      saveBlob(blob, name);
    } catch (err) {
      setError(explain(err));
    } finally {
      setExporting(null);
    }
  };
  const serverFile = (path: string, extra: Record<string, string>, name: string) => async (): Promise<[Blob, string]> => {
    if (!loadedWith) throw new Error("nothing shown");
    const query = new URLSearchParams([...loadedWith.networks.map((n) => ["network", n]), ["from", loadedWith.from], ["to", loadedWith.to], ...Object.entries(extra)]);
    return [await download(`${path}?${query}`), name];
  };
  const exportsBar = data && loadedWith && current && (
    <div class="map-exports row" role="group" aria-label={t("exports")} aria-describedby="exports-help" data-testid="exports">
      {canReport && (
        <button type="button" disabled={exporting !== null} onClick={() => void save("report", serverFile("/downloads/report", { period: loadedWith.period.toLowerCase() }, `maillage-rapport-${loadedWith.from}-${loadedWith.to}.zip`))}>{t("exportReport")}</button>
      )}
      <button type="button" disabled={exporting !== null} onClick={() => void save("research", serverFile("/downloads/research", { period: "quarter", format: "csv" }, `maillage-recherche-${loadedWith.from}-${loadedWith.to}.zip`))}>{t("exportResearch")}</button>
      <button type="button" disabled={exporting !== null} onClick={() => void save("png", async () => {
        if (!map.current) throw new Error("no map");
        return [await map.current.png(), `${stem("carte")}.png`];
      })}>{t("exportPng")}</button>
      <button type="button" disabled={exporting !== null} onClick={() => void save("svg", async () => {
        if (!map.current) throw new Error("no map");
        const title = `${t("mapTitle")} — ${networks.filter((n) => loadedWith.networks.includes(n.id)).map((n) => n.name).join(", ")} — ${periodLabel}`;
        return [new Blob([map.current.svg(title)], { type: "image/svg+xml" }), `${stem("carte")}.svg`];
      })}>{t("exportSvg")}</button>
      {exporting !== null && <span class="muted" role="status" data-testid="exporting">{t("exportPreparing")}</span>}
      <p id="exports-help" class="help">{t("exportHelp")}</p>
    </div>
  );

  const figures = data?.figures[index] ?? null;
  const profile = current?.nodes.find((n) => n.id === selected) ?? null;
  const broker = profile && bound ? brokerage.get(bound.start)?.get(profile.id) : undefined;
  const funnel = breakdowns?.byReceiver.find((r) => r.receiverId === selected) ?? null;

  return (
    <section class="map-page" aria-labelledby="map-title" data-networks={shown} data-loading={String(loading)} data-complete={String(data?.complete ?? false)}>
      <h1 id="map-title">{t("mapTitle")}</h1>
      <form class="map-controls card" onSubmit={(e) => { e.preventDefault(); void load(); }}>
        <fieldset class="inline">
          <legend>{t("networks")}</legend>
          {networks.map((n) => (
            <label class="check">
              <input type="checkbox" name="network" value={n.id} checked={chosen.includes(n.id)}
                onChange={(e) => setChosen((c) => ((e.target as HTMLInputElement).checked ? [...c, n.id] : c.filter((x) => x !== n.id)))} />
              {n.name}
            </label>
          ))}
        </fieldset>
        <div class="row">
          <label>{t("windowFrom")}<input type="date" name="from" value={from} required onInput={(e) => setWindow([(e.target as HTMLInputElement).value, to])} /></label>
          <label>{t("windowTo")}<input type="date" name="to" value={to} required onInput={(e) => setWindow([from, (e.target as HTMLInputElement).value])} /></label>
          <label>{t("period")}
            <select name="period" value={period} onChange={(e) => setPeriod((e.target as HTMLSelectElement).value)}>
              {["MONTH", "QUARTER", "YEAR"].map((p) => <option value={p}>{tKey(`period_${p}`, "period")}</option>)}
            </select>
          </label>
          <button type="submit" class="primary" disabled={loading || chosen.length === 0}>{t("show")}</button>
        </div>
      </form>
      {error && <p class="error" role="alert">{error}</p>}
      {data?.deidentified && <p class="help">{t("deidentifiedNote")}</p>}
      {data && data.bounds.length > 0 && (
        <div class="slider card">
          <label for="period-slider">{t("slider")} : <strong data-testid="period-label">{periodLabel}</strong></label>
          {!data.complete && <span class="muted" role="status" data-testid="loading-periods"> {data.failed ? t("periodsFailed") : t("loadingPeriods")} ({data.periods.filter(Boolean).length}/{data.bounds.length})</span>}
          <input id="period-slider" type="range" min={0} max={data.bounds.length - 1} step={1} value={index}
            aria-valuetext={periodLabel} onInput={(e) => setIndex(Number((e.target as HTMLInputElement).value))} />
        </div>
      )}
      <div class="map-layout">
        <div class="map-main">
          <div class="map-options row">
            <label>{t("colourNodes")}
              <select value={nodeColouring} onChange={(e) => setNodeColouring((e.target as HTMLSelectElement).value as NodeColouring)}>
                <option value="kind">{t("byKind")}</option>
                <option value="community">{t("byCommunity")}</option>
              </select>
            </label>
            <label>{t("colourTies")}
              <select name="edge-colouring" value={edgeColouring} onChange={(e) => setEdgeColouring((e.target as HTMLSelectElement).value as EdgeColouring)}>
                <option value="acknowledgement">{t("byAck")}</option>
                <option value="change">{t("byChange")}</option>
              </select>
            </label>
            <label>{t("kind")}
              <select value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value)}>
                <option value="">{t("anyKind")}</option>
                {termsOf("organizationKind").map((k) => <option value={k.code}>{label("organizationKind", k.code)}</option>)}
              </select>
            </label>
            <label>{t("territory")}
              <select value={territory} onChange={(e) => setTerritory((e.target as HTMLSelectElement).value)}>
                <option value="">{t("anyTerritory")}</option>
                {territories.map((tr) => <option value={tr.id}>{tr.name}</option>)}
              </select>
            </label>
            <label class="check"><input type="checkbox" name="partnerships" checked={partnerships} onChange={(e) => setPartnerships((e.target as HTMLInputElement).checked)} />{t("partnershipsLayer")}</label>
            <label class="check"><input type="checkbox" name="highlight" checked={highlight} onChange={(e) => setHighlight((e.target as HTMLInputElement).checked)} />{t("highlight")}</label>
            <label>{t("tieBudget")}
              <input type="number" name="tie-budget" min={100} step={100} value={tieBudget} disabled={allTies}
                onChange={(e) => { const v = Number((e.target as HTMLInputElement).value); if (Number.isFinite(v) && v >= 100) setTieBudget(Math.round(v)); }} />
            </label>
          </div>
          {exportsBar}
          <div ref={container} class="map-canvas" role="img" aria-label={t("mapCanvas")} data-testid="map" />
          {data && !current && <p class="muted" role="status">{data.failed ? t("periodFailed") : t("loadingPeriod")}</p>}
          {current && drawn && (drawn.ties < drawn.of || (allTies && current.edges.length > tieBudget)) && (
            <p class="help" data-testid="ties-drawn">
              {allTies ? t("allTiesDrawn") : `${t("strongestTies")} : ${number(drawn.ties)} / ${number(drawn.of)}.`}{" "}
              <label class="check"><input type="checkbox" name="all-ties" checked={allTies} onChange={(e) => setAllTies((e.target as HTMLInputElement).checked)} />{t("drawAllTies")}</label>
            </p>
          )}
          <Legend edgeColouring={edgeColouring} />
          {nodeColouring === "kind" && current && (
            <ul class="legend" aria-label={t("colourNodes")}>
              {[...new Set(current.nodes.map((n) => n.kind))].sort().map((k) => (
                <li><span class="swatch" style={{ background: kindColour(k) }} />{label("organizationKind", k)}</li>
              ))}
            </ul>
          )}
        </div>
        <aside class="map-side">
          {profile ? (
            <section class="card" aria-labelledby="profile-title" data-testid="profile">
              <h2 id="profile-title">{t("profile")} : {profile.name ?? `#${profile.id.slice(0, 8)}`}</h2>
              <dl class="facts">
                <dt>{t("kind")}</dt><dd>{label("organizationKind", profile.kind)}</dd>
                <dt>{t("received")}</dt><dd>{number(profile.inStrength)}</dd>
                <dt>{t("sentCount")}</dt><dd>{number(profile.outStrength)}</dd>
                <dt>{t("ackRate")}</dt><dd>{percent(profile.acknowledgementRate)}</dd>
                <dt>{t("acceptanceRate")}</dt><dd>{percent(profile.acceptanceRate)}</dd>
                <dt>{t("completionRate")}</dt><dd>{percent(profile.completionRate)}</dd>
                <dt>{t("medianAck")}</dt><dd>{profile.medianHoursToAcknowledge === null ? "—" : `${number(profile.medianHoursToAcknowledge, 1)} h`}</dd>
                <dt>{t("partnersGained")}</dt><dd>{number(profile.partnersGained)}</dd>
                <dt>{t("partnersLost")}</dt><dd>{number(profile.partnersLost)}</dd>
                <dt>{t("brokerage")}</dt><dd data-testid="brokerage">{broker ? `${number(broker.betweenness)} · ${number(broker.constraint)} · ${number(broker.effectiveSize, 2)}` : t("loading")}</dd>
                {funnel && (<><dt>Funnel</dt><dd>{[funnel.sent, funnel.acknowledged, funnel.accepted, funnel.completed].map((v) => number(v)).join(" → ")}</dd></>)}
              </dl>
            </section>
          ) : null}
          {figures && (
            <section class="card" aria-labelledby="figures-title">
              <h2 id="figures-title">{t("figures")}</h2>
              <dl class="facts" data-testid="figures">
                {FIGURES.map((f) => (<><dt>{t(`fig_${f}` as Word)}</dt><dd data-figure={f}>{COUNTS.has(f) ? number(figures[f]) : ratio(figures[f])}</dd></>))}
              </dl>
            </section>
          )}
          {data && <Trends data={data} index={index} />}
        </aside>
      </div>
      {breakdowns && <BreakdownLists breakdowns={breakdowns} nameOf={nameOf} territoryOf={(id) => territories.find((tr) => tr.id === id)?.name ?? "—"} onPick={(id) => { setSelected(id); setHighlight(true); }} />}
      {current && (
        <details class="card" onToggle={(e) => setTableOpen((e.currentTarget as HTMLDetailsElement).open)}>
          <summary>{t("orgTable")}</summary>
          {/* Rows only while open: a large region's 2,000 rows need not be rendered again on
              every slider step while nobody reads them. */}
          {tableOpen && <table>
            <thead><tr><th scope="col">{t("organization")}</th><th scope="col">{t("kind")}</th><th scope="col">{t("received")}</th><th scope="col">{t("sentCount")}</th><th scope="col">{t("ackRate")}</th></tr></thead>
            <tbody>
              {current.nodes.map((n) => (
                <tr><td><button type="button" class="link-button" onClick={() => setSelected(n.id)}>{n.name ?? `#${n.id.slice(0, 8)}`}</button></td>
                  <td><span class="swatch" style={{ background: kindColour(n.kind) }} />{label("organizationKind", n.kind)}</td>
                  <td>{number(n.inStrength)}</td><td>{number(n.outStrength)}</td><td>{percent(n.acknowledgementRate)}</td></tr>
              ))}
            </tbody>
          </table>}
        </details>
      )}
    </section>
  );
}

/** The newest period with referrals; -1 while the newest loaded periods have none. */
function lastWithTies(data: MapData): number {
  for (let i = data.periods.length - 1; i >= 0; i -= 1) {
    const p = data.periods[i];
    if (p === null) return -1; // not loaded yet: a newer period may still have referrals
    if (p.edges.length > 0) return i;
  }
  return -1;
}

/**
 * Whether the periods loaded hold enough ties to lay the organizations out: at least as many
 * sender → receiver pairs as organizations. A period just begun (a few days of a new quarter) has too few:
 * ForceAtlas2 would place almost everyone by repulsion alone, and those places are kept.
 */
function skeleton(data: MapData): boolean {
  const pairs = new Set(tiesOf(data.periods).map((t) => tieKey(t.source, t.target)));
  return pairs.size >= nodesOf(data.periods).length;
}

function empty(deidentified: boolean, bounds: MapData["bounds"]): MapData {
  return { deidentified, bounds, periods: bounds.map(() => null), figures: bounds.map(() => null), complete: false };
}

/** ``view`` with a run's periods and figures put in place (matched on their first day). */
function merged(view: MapData, slice: MapSlice): MapData {
  const periods = [...view.periods];
  const figures = [...view.figures];
  const at = (start: string): number => view.bounds.findIndex((b) => b.start === start);
  slice.periods.forEach((p) => { if (at(p.start) >= 0) periods[at(p.start)] = p; });
  slice.figures.forEach((f) => { if (at(f.start) >= 0) figures[at(f.start)] = f; });
  return { ...view, periods, figures };
}

function nodesOf(periods: (PeriodGraph | null)[]): string[] {
  const nodes = new Set<string>();
  periods.forEach((p) => p?.nodes.forEach((n) => nodes.add(n.id)));
  return [...nodes];
}

function tiesOf(periods: (PeriodGraph | null)[]): Tie[] {
  return periods.flatMap((p) => p?.edges.map((e) => ({ source: e.source, target: e.target, weight: e.sent ?? 1 })) ?? []);
}

function Legend({ edgeColouring }: { edgeColouring: EdgeColouring }) {
  const items: [string, Word][] =
    edgeColouring === "acknowledgement"
      ? [[ACK_COLOURS.low, "legendAckLow"], [ACK_COLOURS.mid, "legendAckMid"], [ACK_COLOURS.high, "legendAckHigh"]]
      : [[CHANGE_COLOURS.new, "legendNew"], [CHANGE_COLOURS.persisting, "legendPersisting"], [CHANGE_COLOURS.dissolved, "legendDissolved"]];
  return (
    <ul class="legend" aria-label={t("colourTies")}>
      {items.map(([colour, word]) => (
        <li><svg width="28" height="10" aria-hidden="true"><line x1="0" y1="5" x2="28" y2="5" stroke={colour} stroke-width="4" /></svg> {t(word)}</li>
      ))}
    </ul>
  );
}

function Spark({ values, index, title }: { values: (number | null)[]; index: number; title: string }) {
  const width = 220;
  const height = 44;
  const known = values.filter((v): v is number => v !== null);
  const max = Math.max(...known, 1e-9);
  const min = Math.min(...known, 0);
  const x = (i: number): number => (values.length <= 1 ? width / 2 : (i * (width - 8)) / (values.length - 1) + 4);
  const y = (v: number): number => height - 4 - ((v - min) / (max - min || 1)) * (height - 8);
  const points = values.map((v, i) => (v === null ? null : `${x(i)},${y(v)}`)).filter(Boolean).join(" ");
  const here = values[index];
  return (
    <figure class="spark">
      <figcaption>{title} : <strong>{here === null || here === undefined ? "—" : number(here)}</strong></figcaption>
      <svg width={width} height={height} role="img" aria-label={`${title}: ${known.map((v) => number(v)).join(", ")}`}>
        <polyline points={points} fill="none" stroke="#0b5cad" stroke-width="2" />
        {here !== null && here !== undefined && <circle cx={x(index)} cy={y(here)} r="4" fill="#d55e00" />}
      </svg>
    </figure>
  );
}

function Trends({ data, index }: { data: MapData; index: number }) {
  // Once per load of the data, not on every slider step (a month of a large region: 25,000 ties).
  const rates = useMemo(() => ({ acknowledged: rate("acknowledged"), completed: rate("completed") }), [data]);
  function rate(key: "acknowledged" | "completed"): (number | null)[] {
    return data.periods.map((p) => {
      if (p === null) return null;
      let sent = 0;
      let done = 0;
      for (const e of p.edges) {
        if (e.sent === null || e[key] === null) return null;
        sent += e.sent;
        done += e[key] ?? 0;
      }
      return sent === 0 ? null : done / sent;
    });
  }
  return (
    <section class="card" aria-labelledby="trends-title">
      <h2 id="trends-title">{t("trends")}</h2>
      <Spark title={t("fig_ties")} values={data.figures.map((f) => f?.ties ?? null)} index={index} />
      <Spark title={t("fig_density")} values={data.figures.map((f) => f?.density ?? null)} index={index} />
      <Spark title={t("fig_reciprocity")} values={data.figures.map((f) => f?.reciprocity ?? null)} index={index} />
      <Spark title={t("trend_ack")} values={rates.acknowledged} index={index} />
      <Spark title={t("trend_completion")} values={rates.completed} index={index} />
    </section>
  );
}

function BreakdownLists({ breakdowns, nameOf, territoryOf, onPick }: {
  breakdowns: Breakdowns & { start: string; end: string };
  nameOf: (id: string) => string;
  territoryOf: (id: string | null) => string;
  onPick: (id: string) => void;
}) {
  const pick = (id: string, text: string) => <button type="button" class="link-button" onClick={() => onPick(id)}>{text}</button>;
  const empty = <p class="muted">{t("none")}</p>;
  return (
    <section class="breakdowns" aria-labelledby="breakdowns-title" data-testid="breakdowns" data-start={breakdowns.start}>
      <h2 id="breakdowns-title">{t("breakdowns")} <span class="muted">— {date(breakdowns.start)} – {date(breakdowns.end)}</span></h2>
      <div class="breakdown-grid">
        <div class="card" data-testid="black-holes">
          <h3>{t("blackHoles")}</h3>
          {breakdowns.blackHoles.length === 0 ? empty : (
            <ul>{breakdowns.blackHoles.map((b) => <li>{pick(b.organizationId, b.name ?? nameOf(b.organizationId))} — {number(b.acknowledged)}/{number(b.sent)} ({percent(b.acknowledgementRate)})</li>)}</ul>
          )}
        </div>
        <div class="card" data-testid="critical">
          <h3>{t("critical")}</h3>
          {breakdowns.criticalOrganizations.length === 0 ? empty : (
            <ul>{breakdowns.criticalOrganizations.map((c) => (
              <li>{pick(c.organizationId, c.name ?? nameOf(c.organizationId))}
                {c.disconnects && <> — {t("disconnects")}</>}
                {c.soleProviderOf.length > 0 && <> — {t("soleProvider")} : {c.soleProviderOf.map((s) => label("need", s.needCode)).join(", ")}</>}
              </li>
            ))}</ul>
          )}
        </div>
        <div class="card">
          <h3>{t("repeatedDeclines")}</h3>
          {breakdowns.repeatedDeclines.length === 0 ? empty : (
            <ul>{breakdowns.repeatedDeclines.map((r) => <li>{pick(r.targetId, `${nameOf(r.sourceId)} → ${nameOf(r.targetId)}`)} — {number(r.declined)}/{number(r.sent)}</li>)}</ul>
          )}
        </div>
        <div class="card" data-testid="service-gaps">
          <h3>{t("serviceGaps")}</h3>
          {breakdowns.serviceGaps.length === 0 ? empty : (
            <ul>{breakdowns.serviceGaps.map((g) => <li data-need={g.needCode} data-territory={g.territoryId}>{label("need", g.needCode)}, {territoryOf(g.territoryId)} — {percent(g.gapShare)} ({number(g.gapDeclines)}/{number(g.sent)}), {g.providers}</li>)}</ul>
          )}
        </div>
        <div class="card" data-testid="uncovered-needs">
          <h3>{t("uncoveredNeeds")}</h3>
          {breakdowns.uncoveredNeeds.length === 0 ? empty : (
            <ul>{breakdowns.uncoveredNeeds.slice(0, 30).map((u) => <li data-need={u.needCode} data-territory={u.territoryId}>{label("need", u.needCode)}, {territoryOf(u.territoryId)}</li>)}</ul>
          )}
        </div>
      </div>
    </section>
  );
}
