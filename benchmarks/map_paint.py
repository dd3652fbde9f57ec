"""The coordinator's network map in Chromium: first paint and frame times on a simulated region.

Usage: ``.venv/bin/python -m benchmarks.map_paint [--preset large|medium] [--steps 12]``

Starts its own Neo4j (``MAILLAGE_BENCH_NEO4J_PORT``, default 17752, home
``.neo4j/bench-home-<port>``), simulates and imports the preset once with the
``analytics`` benchmark's loader (seed 7; kept between runs, ``--reimport``
forces it), creates a user coordinating every network of the preset with an
API token, and serves the API and the built web app (``make web``) from one
uvicorn process. Then, in headless Chromium (Debian's, ``MAILLAGE_CHROMIUM``;
the browser tests' flags, so WebGL is software-rendered; viewport 1400×900):

1. **open**: sign in, then navigate to ``/app/map``; the time from the
   navigation's start to the first frame drawn after the map holds ties (the
   page's default view: its first network, by quarter), then until every
   period of the window is in (the map loads its window in runs, newest
   first, each request sized to take about 6 s: web/src/map/data.ts);
2. **region, by month**: choose *Mois* in the period selector, tick every
   network (the intermediate loads each tick starts are aborted before they
   reach the server: only the final view is asked for), click *Afficher*;
   the time from the click to the first frame drawn with every network's
   month shown, and the requests before it; then, while the older runs come
   in, the slider moved back one period a second (a reader looking around
   meanwhile) with every frame recorded, until the last run is in: each run
   request's time against the 30 s request limit, the sizes, and the largest
   period's organizations and ties;
3. **slider, step by step**: the slider moved back one period at a time
   (an ``input`` event as a drag sends), each step waiting until the map has
   drawn it: the time from the input to the frame that shows it;
4. **slider, dragged**: one ``input`` event per frame over the same number
   of periods, as a fast drag sends them, then until the last one is drawn.

In steps 2 (after the first paint), 3 and 4 a ``requestAnimationFrame`` loop
injected into the page records every frame's duration (p50 / p95 / max), and
a ``longtask`` observer the main thread's tasks over 50 ms. ``--replay``
answers the Map requests from the last run's saved answers (whatever runs the
page asks for), to measure the page alone. ``--profile`` also samples the
page's JavaScript (the DevTools protocol's profiler) during steps 2 and 3 and
prints where the time went (self time by function; the build is minified, so
``--profile`` serves an unminified build of ``web/`` made into
``build/map-paint-dist`` instead).

The API runs with the request time limit lifted (the production default is
30 s) and Neo4j's transaction timeout at 600 s, so a slow region answer is
measured instead of failing; the report says whether it fits the default.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import time
import uuid
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from playwright.async_api import Browser, Page, Request, ViewportSize, async_playwright

from benchmarks._common import api_process, bench_neo4j
from benchmarks.analytics import NOW, load
from graph.access import identity
from graph.aggregates import queries as agg
from graph.db import Database, open_database
from server.settings import Settings, project_root
from tests.web.chromium import CHROMIUM, CHROMIUM_ARGS

PORT = int(os.environ.get("MAILLAGE_BENCH_NEO4J_PORT", "17752"))
VIEWPORT: ViewportSize = {"width": 1400, "height": 900}
WAIT_MS = 1_200_000  # a slow region answer is measured, not failed
DEFAULT_REQUEST_LIMIT_S = 30.0

# Recorded in the page: every frame's duration and the long tasks, until stopped.
FRAMES_START = """() => {
  const rec = { frames: [], longtasks: [], running: true };
  window.__paint = rec;
  let last = null;
  const loop = (t) => {
    if (last !== null) rec.frames.push(t - last);
    last = t;
    if (rec.running) requestAnimationFrame(loop);
  };
  requestAnimationFrame(loop);
  rec.observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) rec.longtasks.push(e.duration);
  });
  rec.observer.observe({ type: 'longtask' });
}"""
FRAMES_STOP = """() => {
  const rec = window.__paint;
  rec.running = false;
  rec.observer.disconnect();
  return { frames: rec.frames, longtasks: rec.longtasks };
}"""
# Until every run is in: the slider back one period a second (a reader looking around while
# the older periods load), the frames recorded; returns when the last run is in.
WHILE_LOADING = """async () => {
  const section = document.querySelector('section.map-page');
  const slider = document.querySelector('#period-slider');
  let moves = 0;
  for (let tick = 1; section.dataset.complete !== 'true'; tick += 1) {
    await new Promise((r) => setTimeout(r, 100));
    const i = Number(slider.value);
    if (tick % 10 === 0 && section.dataset.complete !== 'true' && i > 0) {
      slider.value = String(i - 1);
      slider.dispatchEvent(new Event('input', { bubbles: true }));
      moves += 1;
    }
  }
  const complete = performance.now();
  const last = Number(slider.max);
  slider.value = String(last);
  slider.dispatchEvent(new Event('input', { bubbles: true }));
  while (window.maillageMap.period() !== last) await new Promise((r) => requestAnimationFrame(r));
  return { complete, moves };
}"""
# Back one period per step, each step waiting for the frame that shows it.
STEP = """async ({ steps }) => {
  const frame = () => new Promise((r) => requestAnimationFrame(() => r(performance.now())));
  const slider = document.querySelector('#period-slider');
  const latencies = [];
  let i = Number(slider.value);
  for (let k = 0; k < steps && i > 0; k += 1) {
    i -= 1;
    await frame();
    const began = performance.now();
    slider.value = String(i);
    slider.dispatchEvent(new Event('input', { bubbles: true }));
    while (window.maillageMap.period() !== i) await frame();
    latencies.push((await frame()) - began);
  }
  return { latencies, index: i };
}"""
# One input event per frame, as a fast drag sends them; then until the last one is drawn.
DRAG = """async ({ steps }) => {
  const frame = () => new Promise((r) => requestAnimationFrame(() => r(performance.now())));
  const slider = document.querySelector('#period-slider');
  let i = Number(slider.value);
  await frame();
  const began = performance.now();
  for (let k = 0; k < steps && i < Number(slider.max); k += 1) {
    i += 1;
    slider.value = String(i);
    slider.dispatchEvent(new Event('input', { bubbles: true }));
    await frame();
  }
  const sent = performance.now();
  while (window.maillageMap.period() !== i) await frame();
  const drawn = await frame();
  return { total: drawn - began, afterLast: drawn - sent, index: i };
}"""
# Every run of the window is in: the time it happened.
COMPLETE = """() => document.querySelector('section.map-page')?.dataset.complete === 'true'
  && performance.now()"""
# The first frame after the map holds ties: checked on every animation frame.
PAINTED = """(wanted) => {
  const m = window.maillageMap;
  const section = document.querySelector('section.map-page');
  if (!m || m.edges() === 0 || !section || section.dataset.loading !== 'false') return false;
  if (wanted !== null && section.dataset.networks !== wanted) return false;
  return performance.now();
}"""


async def coordinator_token(db: Database, networks: list[str]) -> str:
    """A user coordinating every network of the preset (the region view), with an API token."""
    user = await identity.create_user(
        db, email=f"{uuid.uuid4().hex[:8]}@bench.maillage", name="Bench map"
    )
    for network in networks:
        await identity.assign_network_role(
            db, user_id=user["id"], network_id=network, role="COORDINATOR"
        )
    token, _ = await identity.create_token(db, user_id=user["id"], label="map_paint")
    return token


def _key(body: dict[str, Any]) -> str:
    """A Map request by what it asks: how many networks, and its run of the window."""
    v = body.get("variables", {})
    return f"{len(v.get('ids') or [1])}|{v.get('from')}|{v.get('to')}"


def _replayed(saved: dict[str, str], key: str) -> dict[str, Any]:
    """A Map answer for the run ``key`` put together from the saved answers of its view."""
    networks, start, end = key.split("|")
    deidentified = False
    periods: dict[str, Any] = {}
    figures: dict[str, Any] = {}
    for saved_key, body in saved.items():
        if saved_key.split("|")[0] != networks:
            continue
        view = json.loads(body)["data"]["view"]
        deidentified = view["collaboration"]["deidentified"]
        periods.update((p["start"], p) for p in view["collaboration"]["periods"])
        figures.update((f["start"], f) for f in view["evolution"]["periods"])
    wanted = sorted(day for day in periods if start <= day <= end)
    if not wanted:
        raise KeyError(f"no saved period in {key}")
    return {"data": {"view": {
        "collaboration": {"deidentified": deidentified, "periods": [periods[d] for d in wanted]},
        "evolution": {"periods": [figures[d] for d in wanted]},
    }}}  # fmt: skip


class Requests:
    """The page's GraphQL requests by operation: sent → last byte (ms), size, its run."""

    def __init__(self, page: Page, replay: dict[str, str] | None) -> None:
        self.done: list[dict[str, Any]] = []
        self.bodies: dict[str, bytes] = {}  # the Map answers, by _key
        self.fetch_ms: dict[str, float] = {}
        self.replay = replay
        self._pending: dict[Request, float] = {}
        page.on("request", self._sent)
        page.on("requestfinished", lambda r: asyncio.ensure_future(self._finished(r)))

    async def route(self, route: Any) -> None:
        """The Map answers pass through here (DevTools keeps no body of tens of megabytes)."""
        body = json.loads(route.request.post_data or "{}")
        if "query Map(" not in body.get("query", ""):
            await route.fallback()
            return
        key = _key(body)
        if self.replay:
            # The saved answers of an earlier run instead of the API's (the page's own work):
            # the periods of the run asked for, whatever runs the earlier run asked.
            data = json.dumps(_replayed(self.replay, key)).encode()
            status = 200
        else:
            started = time.perf_counter()
            response = await route.fetch(timeout=0)
            data = await response.body()
            status = response.status
            self.fetch_ms[key] = (time.perf_counter() - started) * 1000
        self.bodies[key] = data
        await route.fulfill(status=status, content_type="application/json", body=data)

    @staticmethod
    def operation(request: Request) -> str | None:
        body = request.post_data or ""
        for name in ("query Map(", "query Breakdowns(", "query Brokerage("):
            if name in body:
                return name[6:-1]
        return None

    def _sent(self, request: Request) -> None:
        if self.operation(request):
            self._pending[request] = time.perf_counter()

    async def _finished(self, request: Request) -> None:
        started = self._pending.pop(request, None)
        name = self.operation(request)
        if started is None or name is None:
            return
        ended = time.perf_counter()
        body = json.loads(request.post_data or "{}")
        key = _key(body)
        self.done.append({
            "operation": name,
            "networks": int(key.split("|")[0]),
            "run": tuple(key.split("|")[1:]),
            "ms": (ended - started) * 1000,
            "ended": ended,
            "api_ms": self.fetch_ms.get(key) if name == "Map" else None,
            "bytes": len(self.bodies.get(key, b"")) if name == "Map" else None,
        })  # fmt: skip

    def maps(self, networks: int) -> list[dict[str, Any]]:
        """The Map requests of a view, in the order they ended (the map's runs)."""
        return [r for r in self.done if r["operation"] == "Map" and r["networks"] == networks]

    def periods(self, networks: int) -> list[dict[str, Any]]:
        """Every period the view's runs brought, oldest first."""
        out = []
        for key, body in self.bodies.items():
            if int(key.split("|")[0]) == networks:
                out += json.loads(body)["data"]["view"]["collaboration"]["periods"]
        return sorted(out, key=lambda p: p["start"])


class Profile:
    """The page's JavaScript sampled by the DevTools protocol's profiler; self time by function."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.session: Any = None

    async def start(self) -> None:
        self.session = await self.page.context.new_cdp_session(self.page)
        await self.session.send("Profiler.enable")
        await self.session.send("Profiler.setSamplingInterval", {"interval": 500})
        await self.session.send("Profiler.start")

    async def stop(self, title: str, top: int = 18) -> None:
        result = await self.session.send("Profiler.stop")
        profile = result["profile"]
        nodes = {n["id"]: n for n in profile["nodes"]}
        deltas = profile["timeDeltas"]
        self_ms: dict[str, float] = defaultdict(float)
        for sample, delta in zip(profile["samples"], [*deltas[1:], 0], strict=True):
            frame = nodes[sample]["callFrame"]
            url = frame["url"].rsplit("/", 1)[-1]
            where = f"{frame['functionName'] or '(anonymous)'} {url}:{frame['lineNumber'] + 1}"
            self_ms[where.strip()] += delta / 1000
        total = sum(self_ms.values())
        print(f"\nprofile, {title}: {total:,.0f} ms sampled; self time by function")
        for where, ms in sorted(self_ms.items(), key=lambda kv: -kv[1])[:top]:
            print(f"  {ms:8,.0f} ms  {100 * ms / total:5.1f} %  {where}")
        await self.session.detach()


def stats(values: list[float]) -> str:
    if not values:
        return "—"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"{statistics.median(ordered):,.0f} / {p95:,.0f} / {ordered[-1]:,.0f}"


def unminified_build() -> str:
    """The web app built without minification (for readable profiles), under build/."""
    out = project_root() / "build" / "map-paint-dist"
    subprocess.run(
        ["npx", "vite", "build", "--minify", "false", "--outDir", str(out), "--emptyOutDir",
         "--logLevel", "error"],
        cwd=project_root() / "web", check=True,
    )  # fmt: skip
    return str(out)


async def measure(
    browser: Browser, url: str, token: str, networks: list[str], window: tuple[str, str],
    steps: int, profile: bool, replay: dict[str, str] | None,
) -> dict[str, Any]:  # fmt: skip
    context = await browser.new_context(
        locale="fr-CA", timezone_id="America/Toronto", viewport=VIEWPORT
    )
    context.set_default_timeout(WAIT_MS)
    page = await context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    out: dict[str, Any] = {"problems": problems}
    requests = Requests(page, replay)
    await page.route("**/graphql", requests.route)

    await page.goto(f"{url}/app")
    await page.fill("#token", token)
    await page.click("button[type=submit]")
    await page.wait_for_selector("header.top")

    # 1. Open the map: navigation start → first frame with ties (its default view).
    await page.goto(f"{url}/app/map")
    handle = await page.wait_for_function(PAINTED, arg=None, polling="raf")
    out["open_ms"] = float(await handle.json_value())
    handle = await page.wait_for_function(COMPLETE, polling="raf")
    out["open_complete_ms"] = float(await handle.json_value())
    out["open_api"] = requests.maps(1)
    print(f"opened: first paint {out['open_ms']:,.0f} ms, every period in "
          f"{out['open_complete_ms']:,.0f} ms", flush=True)  # fmt: skip

    # 2. The region by month: every network ticked, period MONTH, then "Afficher".
    await page.select_option("select[name=period]", "MONTH")
    await page.fill("input[name=from]", window[0])
    await page.fill("input[name=to]", window[1])

    # The load the last tick starts asks for every network: once it is aborted, no tick's load
    # is left to reach the server and run beside the view measured.
    last_tick_aborted = asyncio.Event()

    async def abort_map(route: Any) -> None:
        body = json.loads(route.request.post_data or "{}")
        if "query Map(" in body.get("query", ""):
            if len(body.get("variables", {}).get("ids") or [1]) == len(networks):
                last_tick_aborted.set()
            await route.abort()
        else:
            await route.fallback()

    await page.route("**/graphql", abort_map)
    for box in await page.locator("input[name=network]").all():
        if not await box.is_checked():
            await box.click()
    if len(networks) > 1:
        await asyncio.wait_for(last_tick_aborted.wait(), timeout=60)
    await page.wait_for_function(
        "() => document.querySelector('section.map-page').dataset.loading === 'false'"
    )
    await page.unroute("**/graphql", abort_map)
    wanted = ",".join(sorted(networks))
    profiler = Profile(page)
    if profile:
        await profiler.start()
    clicked = await page.evaluate("""() => {
      const at = performance.now();
      document.querySelector('form.map-controls button[type=submit]').click();
      return at;
    }""")
    click_at = time.perf_counter()  # this process's clock, a few ms after the click
    handle = await page.wait_for_function(PAINTED, arg=wanted, polling="raf")
    out["region_ms"] = float(await handle.json_value()) - clicked
    painted_at = click_at + out["region_ms"] / 1000
    if profile:
        await profiler.stop("region by month, click → first paint")
    print(f"region by month: first paint {out['region_ms']:,.0f} ms", flush=True)
    # While the older runs come in, the slider is moved back one period a second.
    await page.evaluate(FRAMES_START)
    moved = await page.evaluate(WHILE_LOADING)
    recorded = await page.evaluate(FRAMES_STOP)
    out["loading_frames"] = {**moved, **recorded}
    out["region_complete_ms"] = moved["complete"] - clicked
    out["region_api"] = requests.maps(len(networks))
    out["region_runs_before_paint"] = len(
        [r for r in out["region_api"] if r["ended"] <= painted_at]
    )
    print(f"region by month: every period in {out['region_complete_ms']:,.0f} ms", flush=True)
    periods = requests.periods(len(networks))
    sizes = [(len(p["nodes"]), len(p["edges"]), p["start"]) for p in periods]
    out["periods"] = len(periods)
    out["largest"] = max(sizes)
    out["most_ties"] = max(sizes, key=lambda s: s[1])
    out["union_orgs"] = len({n["id"] for p in periods for n in p["nodes"]})
    out["shown"] = await page.evaluate("window.maillageMap.edges()")
    await page.wait_for_timeout(1000)  # the first period's breakdowns

    # 3. The slider back one period at a time, each step drawn before the next.
    if profile:
        await profiler.start()
    await page.evaluate(FRAMES_START)
    stepped = await page.evaluate(STEP, {"steps": steps})
    recorded = await page.evaluate(FRAMES_STOP)
    if profile:
        await profiler.stop(f"slider, {len(stepped['latencies'])} steps")
    out["step"] = {**stepped, **recorded}
    print(f"slider stepped: {stats(stepped['latencies'])} ms", flush=True)

    # 4. Dragged: one input per frame over the same periods, forward again.
    await page.wait_for_timeout(1000)
    await page.evaluate(FRAMES_START)
    dragged = await page.evaluate(DRAG, {"steps": steps})
    recorded = await page.evaluate(FRAMES_STOP)
    out["drag"] = {**dragged, **recorded}
    out["breakdowns"] = [r for r in requests.done if r["operation"] == "Breakdowns"]
    out["bodies"] = requests.bodies
    await context.close()
    return out


def _requests(runs: list[dict[str, Any]]) -> str:
    """A view's Map requests: how many, the slowest against the request limit, the total."""
    slowest = max(runs, key=lambda r: r["ms"])
    fits = "within" if slowest["ms"] <= DEFAULT_REQUEST_LIMIT_S * 1000 else "OVER"
    return (f"{len(runs)} requests (runs of the window), "
            f"{sum(r['bytes'] or 0 for r in runs) / 1e6:.1f} MB; first {runs[0]['ms']:,.0f} ms; "
            f"slowest {slowest['ms']:,.0f} ms ({slowest['run'][0]} – {slowest['run'][1]}), "
            f"{fits} the default {DEFAULT_REQUEST_LIMIT_S:.0f} s limit; "
            f"sum {sum(r['ms'] for r in runs) / 1000:,.1f} s")  # fmt: skip


def _frames(recorded: dict[str, Any]) -> str:
    return (f"{len(recorded['frames'])} frames, {len(recorded['longtasks'])} long tasks "
            f"(max {max(recorded['longtasks'], default=0):,.0f} ms)")  # fmt: skip


def report(preset: str, r: dict[str, Any], replayed: bool) -> None:
    api, open_api = r["region_api"], r["open_api"]
    orgs, ties, start = r["largest"]
    print(f"\n## map_paint, preset {preset} (Chromium headless, {VIEWPORT['width']}×"
          f"{VIEWPORT['height']}, software WebGL"
          f"{'; the Map answers replayed from the last run' if replayed else ''})\n")  # fmt: skip
    print(f"region by month: {r['periods']} periods; largest period {start}: {orgs:,} "
          f"organizations, {ties:,} ties; most ties {r['most_ties'][2]}: "
          f"{r['most_ties'][0]:,} organizations, {r['most_ties'][1]:,} ties; "
          f"{r['union_orgs']:,} organizations over the window; "
          f"{r['shown']:,} ties drawn for the period shown")  # fmt: skip
    before_paint = api[: r["region_runs_before_paint"]]
    loading = r["loading_frames"]
    rows = [
        ("open the map (first network, by quarter): navigation → first paint",
         f"{r['open_ms']:,.0f} ms", _requests(open_api)),
        ("  navigation → every period loaded", f"{r['open_complete_ms']:,.0f} ms", ""),
        ("region by month: click → first paint", f"{r['region_ms']:,.0f} ms",
         f"after {len(before_paint)} run(s): "
         + ", ".join(f"{b['ms']:,.0f} ms (API {b['api_ms'] or 0:,.0f} ms)" for b in before_paint)),
        ("region: in the page after the answers (parse, layout, draw)",
         f"{r['region_ms'] - sum(b['ms'] for b in before_paint):,.0f} ms", ""),
        ("region by month: click → every period loaded", f"{r['region_complete_ms']:,.0f} ms",
         _requests(api)),
        ("  frame time while older runs load (slider moved once a second), p50 / p95 / max",
         f"{stats(loading['frames'])} ms", f"{loading['moves']} moves, {_frames(loading)}"),
        (f"slider step by step ({len(r['step']['latencies'])} periods): input → drawn, "
         "p50 / p95 / max", f"{stats(r['step']['latencies'])} ms", ""),
        ("  frame time while stepping, p50 / p95 / max", f"{stats(r['step']['frames'])} ms",
         _frames(r["step"])),
        ("slider dragged (one input per frame): first input → last period drawn",
         f"{r['drag']['total']:,.0f} ms", f"{r['drag']['afterLast']:,.0f} ms after the last input"),
        ("  frame time while dragging, p50 / p95 / max", f"{stats(r['drag']['frames'])} ms",
         _frames(r["drag"])),
    ]  # fmt: skip
    print("| measure | time | notes |\n|---|---|---|")
    for row in rows:
        print(f"| {row[0]} | {row[1]} | {row[2]} |")
    if r["breakdowns"]:
        print(f"\nbreakdowns requests (asked once the slider rests 400 ms, one at a time): "
              f"{len(r['breakdowns'])}, p50 / p95 / max "
              f"{stats([b['ms'] for b in r['breakdowns']])} ms")  # fmt: skip
    if r["problems"]:
        print(f"\npage errors: {r['problems'][:5]}")


async def run(args: argparse.Namespace, settings: Settings) -> None:
    db = open_database(settings.neo4j_uri, "neo4j", settings.neo4j_password)
    try:
        loaded = await load(db, args.preset, args.reimport)
        networks = sorted(loaded["networks"])
        token = await coordinator_token(db, networks)
        manifest = loaded["manifest"]
        # The simulated period (its end is exclusive), as the map's window.
        start = date.fromisoformat(manifest["period"]["start"])
        end = date.fromisoformat(manifest["period"]["end"]) - timedelta(days=1)
        window = (start.isoformat(), end.isoformat())
        # Neo4j's page cache warmed as on a server in use: the view's aggregates, read once
        # (not with --replay: the Map answers do not come from Neo4j then).
        began = time.perf_counter()
        if not args.replay:
            await agg.collaboration_with_previous(
                db, networks, agg.Window(start, end, agg.Period.MONTH), now=NOW
            )
            print(f"warm-up: the region's monthly aggregates read from Neo4j in "
                  f"{time.perf_counter() - began:,.1f} s (untimed)", flush=True)  # fmt: skip
    finally:
        await db.close()
    print(f"{args.preset}: {len(networks)} networks, window {window[0]} – {window[1]}", flush=True)
    os.environ.update(
        MAILLAGE_REQUEST_TIME_LIMIT_SECONDS="0",
        MAILLAGE_NEO4J_TRANSACTION_TIMEOUT_SECONDS="600",
    )
    if args.profile:
        os.environ["MAILLAGE_WEB_DIST"] = unminified_build()
    saved = project_root() / "build" / "map-paint"
    replay = None
    if args.replay:
        replay = json.loads((saved / f"{args.preset}-map.json").read_text(encoding="utf-8"))
    with api_process(settings) as url:
        async with async_playwright() as p:
            browser = await p.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            try:
                result = await measure(browser, url, token, networks, window, args.steps,
                                       args.profile, replay)  # fmt: skip
            finally:
                await browser.close()
    if not args.replay:
        saved.mkdir(parents=True, exist_ok=True)
        answers = {key: body.decode() for key, body in result["bodies"].items()}
        (saved / f"{args.preset}-map.json").write_text(json.dumps(answers), encoding="utf-8")
    report(args.preset, result, replayed=args.replay)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--preset", default="large", choices=["medium", "large"])
    parser.add_argument("--steps", type=int, default=12, help="periods the slider moves over")
    parser.add_argument("--reimport", action="store_true")
    parser.add_argument(
        "--replay",
        action="store_true",
        help="answer the Map queries from the last run's saved answers",
    )
    parser.add_argument("--profile", action="store_true",
                        help="sample the page's JavaScript (an unminified build)")  # fmt: skip
    args = parser.parse_args()
    if not (project_root() / "web" / "dist" / "index.html").is_file():
        raise SystemExit("The web app is not built: run `make web`.")
    if shutil.which(CHROMIUM) is None and not os.path.exists(CHROMIUM):
        raise SystemExit(f"Chromium is missing at {CHROMIUM}")
    with bench_neo4j(heap="3g", pagecache="2g", port=PORT) as settings:
        asyncio.run(run(args, settings))


if __name__ == "__main__":
    main()
