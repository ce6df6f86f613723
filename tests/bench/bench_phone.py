"""The phone half of the browser benchmark (run by bench_browser.py, `make bench-browser`; or alone):

1. Lighthouse 12 (the pinned npm devDependency, Debian's Chromium) in its default mobile mode on every lesson and
   the home page, the site served gzipped as a static host serves it (GzipServer below). Targets: performance
   >= 95, accessibility, best practices and SEO >= 95.
2. First picture vs live result: on each lesson, the time from navigation start to the first demo showing a
   picture (data-status "preview" or "ready") and to its live result ("ready"); target: first picture within
   0.35x of the live result.
3. A first visit with the offline cache (service worker registered): no URL served twice by the server, the first
   live result within 1.15x of the same visit without the worker, and the bytes transferred to the first live
   result (with and without).

    python tests/bench/bench_phone.py [--site DIR] [--out FILE]   # writes results-phone.md when run alone
"""
import argparse
import collections
import functools
import gzip
import http.server
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from shtest import CHROMIUM, CHROMIUM_ARGS, is_local  # noqa: E402

LIGHTHOUSE = ROOT / "node_modules" / "lighthouse" / "cli" / "index.js"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
TARGETS = {"performance": 95, "accessibility": 95, "best-practices": 95, "seo": 95}
PREVIEW_RATIO = 0.35
OFFLINE_RATIO = 1.15
LIGHTHOUSE_RUNS = 3
COMPRESSIBLE = {".html", ".js", ".mjs", ".css", ".json", ".svg", ".xml", ".txt", ".wasm", ".map", ".py"}
OPT_IN = "try { localStorage.setItem('sequencehub:offline', 'on'); } catch (e) {}"

# Timestamps (ms since navigation start) of the first demo picture and the first live result.
TIMING_HOOK = """
(() => {
  const seen = {};
  const check = () => {
    for (const d of document.querySelectorAll('[data-demo]')) {
      const s = d.dataset.status;
      if ((s === 'preview' || s === 'ready') && seen.picture === undefined) seen.picture = performance.now();
      if (s === 'ready' && seen.live === undefined) { seen.live = performance.now(); seen.demo = d.dataset.demo; }
    }
    window.__shTiming = seen;
  };
  new MutationObserver(check).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-status']});
})();
"""


class GzipServer:
    """A static host for the built site, as hosts serve one: gzip for text (and wasm) when the client accepts it,
    a cache lifetime for assets, revalidation for pages. It counts what it sends (per URL, and bytes)."""

    def __init__(self, directory):
        self.directory = pathlib.Path(directory)
        self.lock = threading.Lock()
        self.compressed = {}
        self.reset()
        owner = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                              ".wasm": "application/wasm", ".mjs": "text/javascript", ".js": "text/javascript",
                              ".whl": "application/zip", ".json": "application/json"}

            def log_message(self, *args):
                pass

            def send_head(self):
                path = pathlib.Path(self.translate_path(self.path))
                if path.is_dir():
                    if not self.path.split("?")[0].endswith("/"):
                        return super().send_head()
                    path = path / "index.html"
                if not path.is_file():
                    return super().send_head()
                data = path.read_bytes()
                encoding = None
                if path.suffix in COMPRESSIBLE and "gzip" in self.headers.get("Accept-Encoding", ""):
                    data = owner.gzipped(path, data)
                    encoding = "gzip"
                self.send_response(200)
                self.send_header("Content-Type", self.guess_type(str(path)))
                self.send_header("Content-Length", str(len(data)))
                if encoding:
                    self.send_header("Content-Encoding", encoding)
                    self.send_header("Vary", "Accept-Encoding")
                self.send_header("Cache-Control", "no-cache" if path.suffix == ".html" or path.name == "sw.js"
                                 else "public, max-age=86400")
                self.end_headers()
                owner.count(self.path.split("?")[0], len(data))
                import io
                return io.BytesIO(data)

        self.server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(Handler, directory=str(self.directory)))
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"

    def gzipped(self, path, data):
        with self.lock:
            if path not in self.compressed:
                self.compressed[path] = gzip.compress(data, 6)
            return self.compressed[path]

    def count(self, url, size):
        with self.lock:
            self.requests[url] += 1
            self.bytes += size

    def reset(self):
        with getattr(self, "lock", threading.Lock()):
            self.requests = collections.Counter()
            self.bytes = 0

    def snapshot(self):
        with self.lock:
            return dict(self.requests), self.bytes

    def close(self):
        self.server.shutdown()


def lighthouse(url, out_json):
    """One Lighthouse run (mobile, its default) -> {category: score 0-100}, plus the main metrics."""
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    flags = " ".join(a for a in CHROMIUM_ARGS if not a.startswith("--headless")) + " --headless=new"
    cmd = ["node", str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={out_json}",
           f"--chrome-flags={flags}", "--only-categories=" + ",".join(CATEGORIES)]
    subprocess.run(cmd, env=env, check=True, timeout=300, capture_output=True)
    report = json.loads(pathlib.Path(out_json).read_text())
    scores = {c: round(report["categories"][c]["score"] * 100) for c in CATEGORIES}
    audits = report["audits"]
    metrics = {k: audits[k]["numericValue"] for k in ("first-contentful-paint", "largest-contentful-paint",
                                                      "total-blocking-time", "cumulative-layout-shift")}
    # Lighthouse loads the page unthrottled and simulates the slow phone from that trace: what it saw first paint at
    # decides how much of the load its simulated FCP/LCP include (see report_lines)
    observed = audits["metrics"]["details"]["items"][0]
    metrics["observed-first-contentful-paint"] = observed["observedFirstContentfulPaint"]
    failing = sorted({a["id"] for cat in report["categories"].values() for ref in cat["auditRefs"]
                      for a in [audits[ref["id"]]] if ref["weight"] and a["score"] is not None and a["score"] < 0.9
                      and cat["id"] != "performance"})
    return {"scores": scores, "metrics": metrics, "failing": failing,
            "bytes": audits.get("total-byte-weight", {}).get("numericValue")}


def lighthouse_median(url, out_json, runs):
    """`runs` Lighthouse runs of `url`; the run with the median performance score (Lighthouse's own advice for a
    noisy machine: a single run's simulated timings move with the host's load), with every run's score."""
    results = [lighthouse(url, out_json) for _ in range(runs)]
    ranked = sorted(results, key=lambda r: r["scores"]["performance"])
    median = dict(ranked[(len(ranked) - 1) // 2])
    median["runs"] = [r["scores"]["performance"] for r in results]
    return median


# Main-thread work while a page loads, counted rather than timed (counts do not move with the machine's load):
# every style recalculation and layout in a trace of one phone-size load, until the page has been quiet a while.
WORK_CATEGORIES = ["devtools.timeline"]


def load_work(browser, url):
    """{"elements": DOM size, "restyled": elements restyled in all, "whole": restyles of at least half the page,
    "layouts": layout passes, "style_ms"/"layout_ms": their time} for one cold load of `url` at 412 x 823."""
    ctx = browser.new_context(viewport={"width": 412, "height": 823}, is_mobile=True, device_scale_factor=1.75)
    page = ctx.new_page()
    browser.start_tracing(page=page, categories=WORK_CATEGORIES)
    page.goto(url, wait_until="networkidle")
    page.wait_for_timeout(2000)
    elements = page.evaluate("document.getElementsByTagName('*').length")
    events = json.loads(browser.stop_tracing())["traceEvents"]
    ctx.close()
    renderer = {e["pid"] for e in events if e.get("name") == "ParseHTML"}
    done = [e for e in events if e.get("pid") in renderer and e.get("ph") == "X"]
    styles = [e for e in done if e["name"] == "UpdateLayoutTree"]
    layouts = [e for e in done if e["name"] == "Layout"]
    counts = [e.get("args", {}).get("elementCount") or 0 for e in styles]
    return {"elements": elements, "restyled": sum(counts), "whole": sum(1 for c in counts if c >= elements / 2),
            "layouts": len(layouts), "style_ms": sum(e["dur"] for e in styles) / 1000,
            "layout_ms": sum(e["dur"] for e in layouts) / 1000}


def lessons_of(site):
    pages = sorted(p.parent.relative_to(site).as_posix() + "/" for p in (site / "lessons").glob("*/index.html"))
    return ["", *pages]


def watch_external(ctx):
    """Requests leaving 127.0.0.1, recorded (the report must show none). Not blocked with ctx.route: Playwright's
    request interception turns Chromium's HTTP cache off, and the offline cache is meant to fill from it."""
    external = []
    ctx.on("request", lambda request: None if is_local(request.url) else external.append(request.url))
    return external


def open_first_demo(page, url):
    """Open `url` and bring its first demo on screen at once, as a reader who came for it scrolls to it: demos
    start (and draw their preview) only when visible, and on a phone the first is often below the fold."""
    page.goto(url, wait_until="commit")
    page.locator("[data-demo]").first.scroll_into_view_if_needed()


def first_picture_and_live(browser, url):
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, device_scale_factor=3)
    external = watch_external(ctx)
    ctx.add_init_script(TIMING_HOOK)
    page = ctx.new_page()
    open_first_demo(page, url)
    page.wait_for_function("() => window.__shTiming && window.__shTiming.live !== undefined", timeout=120_000)
    timing = page.evaluate("window.__shTiming")
    ctx.close()
    if external:
        raise SystemExit(f"{url}: requests left 127.0.0.1: {sorted(set(external))[:5]}")
    return timing


def first_visit(browser, server, url, offline):
    """A cold first visit; with `offline`, the service worker registers and fills its cache (waited for)."""
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    external = watch_external(ctx)
    ctx.add_init_script(TIMING_HOOK)
    if offline:
        ctx.add_init_script(OPT_IN)
    server.reset()
    page = ctx.new_page()
    open_first_demo(page, url)
    page.wait_for_function("() => window.__shTiming && window.__shTiming.live !== undefined", timeout=120_000)
    live_ms = page.evaluate("window.__shTiming.live")
    _, bytes_to_live = server.snapshot()
    cached = None
    if offline:
        cached = page.evaluate("""async () => {
          const reg = await navigator.serviceWorker.ready;
          if (reg.active.state !== 'activated') await new Promise((done) => reg.active.addEventListener(
            'statechange', () => reg.active.state === 'activated' && done()));
          const name = (await caches.keys()).find((n) => n.startsWith('sequencehub-'));
          return (await (await caches.open(name)).keys()).length;
        }""")
    time.sleep(1.0)
    requests, total = server.snapshot()
    ctx.close()
    if external:
        raise SystemExit(f"{url}: requests left 127.0.0.1: {sorted(set(external))[:5]}")
    return {"live_ms": live_ms, "bytes_to_live": bytes_to_live, "bytes": total, "requests": sum(requests.values()),
            "twice": sorted(u for u, n in requests.items() if n > 1), "cached": cached}


def run(site, browser, runs=LIGHTHOUSE_RUNS):
    """All the measures on `site` with a launched Playwright `browser` (`runs` Lighthouse runs a page); returns a
    dict for report_lines()."""
    site = pathlib.Path(site)
    server = GzipServer(site)
    out = {"lighthouse": {}, "work": {}, "pictures": {}, "lighthouse_version": None, "lighthouse_runs": runs}
    try:
        if shutil.which("node") and LIGHTHOUSE.is_file():
            out["lighthouse_version"] = json.loads((LIGHTHOUSE.parents[1] / "package.json").read_text())["version"]
            with tempfile.TemporaryDirectory() as tmp:
                for path in lessons_of(site):
                    result = lighthouse_median(server.url + path, pathlib.Path(tmp) / "report.json", runs)
                    out["lighthouse"][path or "(home)"] = result
                    print(f"lighthouse {path or '(home)'}: {result['scores']} (runs {result['runs']}) "
                          f"failing: {result['failing']}", flush=True)
        for path in lessons_of(site):
            out["work"][path or "(home)"] = work = load_work(browser, server.url + path)
            print(f"work at load {path or '(home)'}: {work}", flush=True)
        for path in lessons_of(site)[1:]:
            timing = first_picture_and_live(browser, server.url + path)
            out["pictures"][path] = timing
            print(f"{path}: first picture {timing['picture']:.0f} ms, live {timing['live']:.0f} ms "
                  f"({timing['demo']})", flush=True)
        lesson = server.url + "lessons/hidden-state/"
        out["without"] = first_visit(browser, server, lesson, offline=False)
        out["with"] = first_visit(browser, server, lesson, offline=True)
        print(f"first visit: without the offline cache live at {out['without']['live_ms']:.0f} ms, "
              f"{out['without']['bytes_to_live'] / 1e6:.2f} MB; with it live at {out['with']['live_ms']:.0f} ms, "
              f"{out['with']['bytes'] / 1e6:.1f} MB in all, twice: {out['with']['twice']}", flush=True)
    finally:
        server.close()
    return out


def report_lines(r):
    lines = ["## Phones: Lighthouse, first pictures, the offline cache", ""]
    if r["lighthouse"]:
        runs = r.get("lighthouse_runs", 1)
        lines += [f"Lighthouse {r['lighthouse_version']} (npm, pinned), default mobile settings (simulated slow 4G and "
                  "4x CPU slowdown), Debian's Chromium, the site served gzipped by a static server (pages revalidated, "
                  "assets cached for a day). Targets: performance, accessibility, best practices and SEO >= 95. "
                  f"{runs} runs a page; the row is the run with the median performance score, *runs* lists all of "
                  "them. Lighthouse loads the page at full speed and simulates the phone from that trace: when the "
                  "host is busy, the first paint it observes (*seen FCP*) comes after more of the page's loading, "
                  "and the simulated FCP and LCP then include that work (a seen FCP of ~0.2 s gives ~1.4 s, one of "
                  "1-2 s gives 3.5-5 s).", "",
                  "| page | performance (runs) | accessibility | best practices | SEO | FCP (seen FCP) | LCP | TBT | CLS "
                  "| bytes |",
                  "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        for path, res in r["lighthouse"].items():
            s, m = res["scores"], res["metrics"]
            mark = lambda c: f"{s[c]}" + ("" if s[c] >= TARGETS[c] else " (NOT met)")  # noqa: E731
            seen = m.get("observed-first-contentful-paint")
            lines.append(f"| `{path}` | {mark('performance')} ({', '.join(map(str, res.get('runs', [])))}) | "
                         f"{mark('accessibility')} | {mark('best-practices')} | "
                         f"{mark('seo')} | {m['first-contentful-paint'] / 1000:.1f} s"
                         f"{f' ({seen / 1000:.2f} s)' if seen is not None else ''} | "
                         f"{m['largest-contentful-paint'] / 1000:.1f} s | {m['total-blocking-time']:.0f} ms | "
                         f"{m['cumulative-layout-shift']:.3f} | {(res['bytes'] or 0) / 1e3:.0f} kB |")
        failing = sorted({a for res in r["lighthouse"].values() for a in res["failing"]})
        lines += ["", f"Audits below 0.9 outside performance: {', '.join(failing) if failing else 'none'}.", ""]
    else:
        lines += ["Lighthouse: not run (node or node_modules/lighthouse missing).", ""]
    if r.get("work"):
        lines += ["### Main-thread work while a page loads", "",
                  "One cold load at 412 x 823 (Lighthouse's phone) traced in Chromium, until the network has been idle "
                  "2 s: elements restyled in all (the page's element count is what one full restyle costs), restyles "
                  "that touched at least half of the page, layout passes, and their time on this machine (unthrottled; "
                  "times move with the load, counts do not). Each whole-page restyle or layout after a change is "
                  "blocking time on a phone.", "",
                  "| page | elements | restyled | whole-page restyles | layouts | style | layout |",
                  "| --- | --- | --- | --- | --- | --- | --- |"]
        for path, w in r["work"].items():
            lines.append(f"| `{path}` | {w['elements']} | {w['restyled']} | {w['whole']} | {w['layouts']} | "
                         f"{w['style_ms']:.0f} ms | {w['layout_ms']:.0f} ms |")
        lines.append("")
    lines += ["### First picture vs live result", "",
              "Chromium at 390 x 844 (mobile), cold context, each lesson opened and its first demo scrolled on screen "
              "at once: navigation start to the first demo showing "
              "a picture (the build's preview, `data-status=\"preview\"`, or already the live result) and to its "
              f"live result (`ready`). Target: first picture within {PREVIEW_RATIO}x of the live result.", "",
              "| lesson | demo | first picture | live result | ratio |", "| --- | --- | --- | --- | --- |"]
    for path, t in r["pictures"].items():
        ratio = t["picture"] / t["live"]
        lines.append(f"| `{path}` | {t['demo']} | {t['picture'] / 1000:.2f} s | {t['live'] / 1000:.2f} s | "
                     f"{ratio:.2f}{'' if ratio <= PREVIEW_RATIO else ' (NOT met)'} |")
    w, wo = r["with"], r["without"]
    ratio = w["live_ms"] / wo["live_ms"]
    lines += ["", "### A first visit with the offline cache", "",
              "`lessons/hidden-state/`, cold context, counted by the server: with the service worker (registered "
              "once the first demo is live; it fills its cache from the HTTP cache first) against the same visit "
              f"without it. Targets: no URL served twice; first live result within {OFFLINE_RATIO}x.", "",
              "| | first live result | bytes to it | requests in all | bytes in all | URLs served twice |",
              "| --- | --- | --- | --- | --- | --- |",
              f"| without the offline cache | {wo['live_ms'] / 1000:.2f} s | {wo['bytes_to_live'] / 1e6:.2f} MB | "
              f"{wo['requests']} | {wo['bytes'] / 1e6:.2f} MB | {len(wo['twice'])} |",
              f"| with it ({w['cached']} files cached) | {w['live_ms'] / 1000:.2f} s ({ratio:.2f}x"
              f"{'' if ratio <= OFFLINE_RATIO else ', NOT met'}) | {w['bytes_to_live'] / 1e6:.2f} MB | "
              f"{w['requests']} | {w['bytes'] / 1e6:.2f} MB | {len(w['twice'])}"
              f"{': ' + ', '.join(w['twice'][:5]) if w['twice'] else ''} |", ""]
    return lines


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--site", type=pathlib.Path, default=ROOT / "site")
    ap.add_argument("--out", type=pathlib.Path, default=ROOT / "tests" / "bench" / "results-phone.md")
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        result = run(args.site.resolve(), browser)
        browser.close()
    load = os.getloadavg()
    args.out.write_text("\n".join([f"# Phone benchmark ({os.cpu_count()} cores, load {load[0]:.1f})", "",
                                   *report_lines(result)]), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
