"""Browser benchmark (`make bench-browser`): one headless Chromium run, everything served on 127.0.0.1.

1. first-result: cold and warm time from opening a lesson to its first demo result (data-status="ready"): cold =
   a fresh browser context (empty HTTP cache), warm = reloading in the same context; the median of 3 runs each.
2. plain: LSTM forward + backward per time step, float64, the compiled core (rnncore's Cython compiled to
   WebAssembly) in Pyodide through its public API against a plain-Python version of the same step (lists and
   `sum(map(mul, ...))`, the idiomatic fast way) in Pyodide. Targets: first result within 4 s cold; compiled >= 20x
   plain Python.
3. kernels: the compiled core in float32 (as the peers run) against TensorFlow.js (WASM backend with SIMD, and the
   CPU backend; the cell written with tf ops, and tf.layers.lstm) and ONNX Runtime Web (WASM, forward only; the
   LSTM/GRU graph bench_core.py builds), LSTM and GRU, forward and forward + backward, at the demos' sizes and one
   larger (KERNEL_SIZES). The page is tests/bench/kernels/ (kernels.js, core_peer.py); the peers' files are served
   from node_modules by this script's own server, never shipped in site/. Every peer's output (and, with
   backward, its dW_hh) is checked against the core's before anything is timed. Target: at teaching sizes the
   core >= 3x the best peer.
4. phone (bench_phone.py): Lighthouse 12 mobile on every lesson served gzipped, first picture vs live result, a
   first visit with the offline cache (no URL twice, first live result within 1.15x, bytes to it).

Writes tests/bench/results-browser.md. `--only kernels` (or any comma-separated parts) measures those parts and
replaces their sections in the file, keeping the others.

    python tests/bench/bench_browser.py [--site DIR] [--lesson lessons/hidden-state/] [--out FILE]
                                        [--only first-result,plain,kernels,phone] [--quick]
"""
import argparse
import base64
import datetime
import json
import os
import pathlib
import platform
import statistics
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from shtest import CHROMIUM, CHROMIUM_ARGS, is_local, serve_directory  # noqa: E402
sys.path.insert(0, str(ROOT / "tests" / "bench"))
import bench_phone  # noqa: E402

NODE = ROOT / "node_modules"
PEER_FILES = {   # served at /<name>/ by the bench's own server: the page finds the peers there, nothing from a CDN
    "tfjs": (NODE / "@tensorflow" / "tfjs" / "dist", "tf.min.js"),
    "tfjs-wasm": (NODE / "@tensorflow" / "tfjs-backend-wasm" / "dist", "tfjs-backend-wasm-simd.wasm"),
    "ort": (NODE / "onnxruntime-web" / "dist", "ort-wasm-simd-threaded.wasm"),
}
KERNEL_PAGE = ROOT / "tests" / "bench" / "kernels"
PARTS = ("first-result", "plain", "kernels", "phone")
SIZES = [  # plain Python vs compiled, float64: (T, B, I, H)
    (50, 1, 8, 32),
    (20, 16, 32, 64),
]
# kernels: (B, I, H, T, where the size comes from); the first four are teaching sizes, the last is larger
KERNEL_SIZES = [
    (1, 4, 8, 50, "vanishing-gradient demo"),
    (16, 2, 16, 22, "training race (adding, delay 20)"),
    (32, 3, 16, 36, "forecasting: train a fresh GRU"),
    (1, 8, 32, 100, "make bench's teaching size"),
    (16, 32, 128, 100, "larger"),
]
TEACHING = 4
KERNEL_CELLS = ("lstm", "gru")
KERNEL_PEERS = ("tfjs-wasm-ops", "tfjs-wasm-layers", "tfjs-cpu-ops", "tfjs-cpu-layers", "ort")
KERNEL_TARGET = 3.0
KERNEL_ROUNDS, KERNEL_LOOP_MS, KERNEL_SLOW_MS = 5, 60, 1000
# float32 against float32: the peers' sums run in another order and the core's sigmoid/tanh are polynomials
KERNEL_RTOL, KERNEL_ATOL = 2e-3, 2e-4
COLD_TARGET_S = 4.0

BENCH_HTML = """<!doctype html><html><head><meta charset="utf-8"><title>bench</title>
<link rel="icon" href="data:,"></head><body>
<script type="module">
import { call, runPython } from "./site/assets/sequencehub/engine/client.js";
window.bench = { call, runPython };
window.benchReady = true;
</script></body></html>
"""

# Runs inside Pyodide (in the engine's worker) for one size; returns JSON with per-step times.
PY_BENCH = r'''
import json, math, random, time
from array import array
from operator import mul
import rnncore

T, B, I, H = {T}, {B}, {I}, {H}
rng = random.Random(1)
xs = [[[rng.gauss(0, 1) for _ in range(I)] for _ in range(B)] for _ in range(T)]
dys = [[[rng.gauss(0, 1) for _ in range(H)] for _ in range(B)] for _ in range(T)]

def shaped(nested, shape):
    flat = [v for step in nested for row in step for v in row]
    return memoryview(array("d", flat)).cast("B").cast("d", shape)

# -- the compiled core through its public API -------------------------------------------------------------
m = rnncore.LSTM(input_size=I, hidden_size=H, seed=0)
x, dy = shaped(xs, (T, B, I)), shaped(dys, (T, B, H))
def core_once():
    m.forward(x)
    return m.backward(dy)
core_once()
times, t_end = [], time.perf_counter() + 1.0
while time.perf_counter() < t_end or len(times) < 5:
    t0 = time.perf_counter()
    grads = core_once()[0]
    times.append(time.perf_counter() - t0)
reps, core_s = len(times), min(times)          # best run: the machine is shared, preemption only adds time

# -- the same step in plain Python ------------------------------------------------------------------------
W_ih = m.params["weight_ih_l0"].tolist()
W_hh = m.params["weight_hh_l0"].tolist()
bias = [a + b for a, b in zip(m.params["bias_ih_l0"].tolist(), m.params["bias_hh_l0"].tolist())]

def dot(a, b):
    return sum(map(mul, a, b))

def sig(v):
    return 1.0 / (1.0 + math.exp(-v)) if v >= 0 else math.exp(v) / (1.0 + math.exp(v))

def plain_lstm(xs, dys):
    G = 4 * H
    h = [[0.0] * H for _ in range(B)]
    c = [[0.0] * H for _ in range(B)]
    cache = []
    for t in range(T):                                             # forward
        step, hn, cn = [], [], []
        for n in range(B):
            xt, hp, cp = xs[t][n], h[n], c[n]
            a = [dot(wi, xt) + dot(wh, hp) + b for wi, wh, b in zip(W_ih, W_hh, bias)]      # 1
            i = [sig(v) for v in a[:H]]
            f = [sig(v) for v in a[H:2 * H]]
            g = [math.tanh(v) for v in a[2 * H:3 * H]]
            o = [sig(v) for v in a[3 * H:]]
            cc = [fv * cv + iv * gv for fv, cv, iv, gv in zip(f, cp, i, g)]                # 2a
            tc = [math.tanh(v) for v in cc]
            hn.append([ov * tv for ov, tv in zip(o, tc)])                                  # 2b
            cn.append(cc)
            step.append((xt, hp, cp, i, f, g, o, tc))
        cache.append(step)
        h, c = hn, cn
    dWi = [[0.0] * I for _ in range(G)]
    dWh = [[0.0] * H for _ in range(G)]
    db = [0.0] * G
    WhT = [list(col) for col in zip(*W_hh)]
    dh_next = [[0.0] * H for _ in range(B)]
    dc_next = [[0.0] * H for _ in range(B)]
    for t in reversed(range(T)):                                   # backward
        for n in range(B):
            xt, hp, cp, i, f, g, o, tc = cache[t][n]
            dh = [a + b for a, b in zip(dys[t][n], dh_next[n])]
            dc = [dcn + dhv * ov * (1 - tv * tv) for dcn, dhv, ov, tv in zip(dc_next[n], dh, o, tc)]
            da = ([dcv * gv * iv * (1 - iv) for dcv, gv, iv in zip(dc, g, i)]
                  + [dcv * cv * fv * (1 - fv) for dcv, cv, fv in zip(dc, cp, f)]
                  + [dcv * iv * (1 - gv * gv) for dcv, iv, gv in zip(dc, i, g)]
                  + [dhv * tv * ov * (1 - ov) for dhv, tv, ov in zip(dh, tc, o)])
            for r, d in enumerate(da):
                dWi[r] = [w + d * v for w, v in zip(dWi[r], xt)]
                dWh[r] = [w + d * v for w, v in zip(dWh[r], hp)]
                db[r] += d
            dh_next[n] = [dot(col, da) for col in WhT]
            dc_next[n] = [dcv * fv for dcv, fv in zip(dc, f)]
    return dWi, dWh, db

plain_times = []
for _ in range(3 if T * B <= 100 else 2):
    t0 = time.perf_counter()
    dWi, dWh, db = plain_lstm(xs, dys)
    plain_times.append(time.perf_counter() - t0)
plain_s = min(plain_times)
core_dWh = grads["weight_hh_l0"].tolist()
diff = max(abs(a - b) for ra, rb in zip(dWh, core_dWh) for a, b in zip(ra, rb))
print(json.dumps({{"core_ms_per_step": 1000 * core_s / T, "plain_ms_per_step": 1000 * plain_s / T,
                  "max_abs_diff_dW_hh": diff, "core_reps": reps}}))
'''

READY_HOOK = """
(() => {
  const seen = () => {
    const el = document.querySelector('[data-demo][data-status="ready"]');
    if (el && !window.__firstDemoReady) window.__firstDemoReady = {ms: performance.now(), demo: el.dataset.demo};
  };
  new MutationObserver(seen).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-status']});
})();
"""


def time_to_first_demo(page, url):
    page.goto(url)
    page.wait_for_function("() => window.__firstDemoReady", timeout=60000)
    got = page.evaluate("""() => {
        const mark = (name) => (performance.getEntriesByName(name)[0] || {}).startTime ?? null;
        return {...window.__firstDemoReady, engine_start: mark('sequencehub:demos-engine-start'),
                engine_ready: mark('sequencehub:demos-engine-ready')};
    }""")
    return got


def find_lesson(site):
    for rel in ("lessons/hidden-state/index.html", "lessons/hidden-state.html"):
        if (site / rel).exists():
            return rel.removesuffix("index.html")
    for path in sorted(site.rglob("*.html")):
        if "data-demo=" in path.read_text(errors="replace"):
            return path.relative_to(site).as_posix()
    raise SystemExit(f"no page with a demo in {site}: run `make site`")


def serve_bench(root, site):
    """Lay out the benchmark's origin in ``root`` and serve it on 127.0.0.1: site/ (the built site), the peers'
    files straight from node_modules (PEER_FILES), kernels/ (the kernel page), models/ (the ONNX graphs written
    while it runs) and bench.html. Returns (base URL, server)."""
    (root / "site").symlink_to(site)
    for name, (folder, _) in PEER_FILES.items():
        (root / name).symlink_to(folder)
    (root / "kernels").symlink_to(KERNEL_PAGE)
    (root / "models").mkdir()
    (root / "bench.html").write_text(BENCH_HTML)
    return serve_directory(root)


def b64(a):
    """base64 of an array's values as little-endian float32, C order (what kernels.js and core_peer.py read)."""
    import numpy as np
    return base64.b64encode(np.ascontiguousarray(a, dtype="<f4").tobytes()).decode("ascii")


def kernel_case(cell, B, I, H, T, with_onnx=True):
    """Inputs, weights and the ONNX graph of one case: (spec for kernels.js without the graph's URL, ONNX bytes or
    None without ``with_onnx``).

    The weights are rnncore's own initialisation (seed 0), x and dy seeded normals; the graph is bench_core.py's
    (imported, not copied), whose session is created and checked against the native core here first."""
    import numpy as np
    import rnncore
    rng = np.random.default_rng(0)
    x = rng.normal(size=(T, B, I)).astype(np.float32)
    dy = rng.normal(size=(T, B, H)).astype(np.float32)
    m = getattr(rnncore, cell.upper())(I, H, dtype="float32", seed=0)
    params = {k: np.asarray(v, dtype=np.float32) for k, v in m.params.items()}
    spec = {"cell": cell, "T": T, "B": B, "I": I, "H": H, "x": b64(x), "dy": b64(dy),
            "params": {k: b64(v) for k, v in params.items()}, "onnx": None}
    if not with_onnx:
        return spec, None
    import bench_core                    # only here: importing it sets PyTorch's thread count (when installed)
    if bench_core.ort is None:
        raise SystemExit("onnx/onnxruntime are missing: `make bench-browser` installs "
                         "tests/bench/requirements-bench.txt")
    graph = bench_core.onnx_model(cell, params, H, 1, False)     # what the page's ONNX Runtime Web loads
    sess = bench_core.onnx_session(cell, params, H, 1, False)
    np.testing.assert_allclose(sess.run(None, {"X": x})[0], m.forward(x)[0], rtol=KERNEL_RTOL, atol=KERNEL_ATOL)
    return spec, graph


def check_kernels(page, spec):
    """Every peer's results on the page's current case against the core's: {peer: {"y": d, "dW_hh": d | None}}
    with d = {max_abs_diff, max_abs_ref}. Raises AssertionError naming the first peer that disagrees."""
    checks = page.evaluate("() => window.kernels.check()")
    for peer, got in checks.items():
        for what, d in got.items():
            if d is not None and d["max_abs_diff"] > KERNEL_ATOL + KERNEL_RTOL * d["max_abs_ref"]:
                raise AssertionError(
                    f"{peer} disagrees with the core on {spec['cell']} {what} at B,I,H,T = {spec['B']},{spec['I']},"
                    f"{spec['H']},{spec['T']}: max |diff| {d['max_abs_diff']:.3g} (max |core| {d['max_abs_ref']:.3g})")
    return checks


def run_kernels(page, base, models, quick=False):
    """Part 3 on the kernels page (already open): {info, rows}; stops at the first peer that disagrees with the core."""
    info = page.evaluate("() => window.kernels.info()")
    print(f"kernels: Python {info['python']} (Pyodide), TensorFlow.js {info['tfjs']} (wasm SIMD "
          f"{info['tfjsWasmSimd']}, threads {info['tfjsWasmThreads']}), onnxruntime-web {info['ort']} "
          f"({info['ortThreads']} thread), cross-origin isolated {info['crossOriginIsolated']}", flush=True)
    sizes = KERNEL_SIZES[:1] + KERNEL_SIZES[-1:] if quick else KERNEL_SIZES
    rows, profile = [], None
    for cell in KERNEL_CELLS:
        for (B, I, H, T, what) in sizes:
            spec, graph = kernel_case(cell, B, I, H, T)
            name = f"{cell}-{B}-{I}-{H}-{T}.onnx"
            (models / name).write_bytes(graph)
            spec["onnx"] = base + "models/" + name
            page.evaluate("(spec) => window.kernels.setup(spec)", spec)
            checks = check_kernels(page, spec)
            if profile is None:                                 # the first (smallest) case: where its time goes
                profile = page.evaluate("() => window.kernels.profileCore()")
                profile.update(cell=cell, B=B, I=I, H=H, T=T)
            timing = page.evaluate("(o) => window.kernels.time(o)",
                                   {"rounds": 2 if quick else KERNEL_ROUNDS, "loopMs": KERNEL_LOOP_MS,
                                    "slowMs": KERNEL_SLOW_MS})
            for phase in ("fwd", "fb"):
                ms = {peer: timing["best"][f"{peer} {phase}"] for peer in ("core",) + KERNEL_PEERS
                      if f"{peer} {phase}" in timing["best"]}
                peers = {k: v for k, v in ms.items() if k != "core"}
                best = min(peers, key=peers.get)
                diff = {w: max((c[w]["max_abs_diff"] for c in checks.values() if c[w] is not None), default=None)
                        for w in ("y", "dW_hh")}
                row = {"cell": cell, "B": B, "I": I, "H": H, "T": T, "what": what, "phase": phase, "ms": ms,
                       "best": best, "ratio": peers[best] / ms["core"], "teaching": (B, I, H, T, what) in
                       KERNEL_SIZES[:TEACHING], "diff": diff}
                rows.append(row)
                print(f"{cell} {phase:3} B,I,H,T={B},{I},{H},{T}: core {ms['core']:.4f} ms | "
                      + " | ".join(f"{k} {v:.4f} ms ({v / ms['core']:.1f}x)" for k, v in peers.items())
                      + f" | best peer {best}: {row['ratio']:.1f}x | max |y - core| {diff['y']:.1e}"
                      + (f", |dW_hh - core| {diff['dW_hh']:.1e}" if diff["dW_hh"] is not None else ""), flush=True)
    page.evaluate("() => window.kernels.teardown()")
    print("core forward, cProfile (%(cell)s %(B)d,%(I)d,%(H)d,%(T)d): " % profile
          + ", ".join(f"{name} {share:.0%}" for name, share in profile["top"])
          + "; one step of one row %.1f us, each further step %.2f us" % (profile["fixed_ms"] * 1000,
                                                                          profile["step_ms"] * 1000), flush=True)
    return {"info": info, "rows": rows, "profile": profile}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--site", type=pathlib.Path, default=ROOT / "site")
    ap.add_argument("--lesson", default=None, help="page to time (default: the hidden-state lesson)")
    ap.add_argument("--out", type=pathlib.Path, default=ROOT / "tests" / "bench" / "results-browser.md")
    ap.add_argument("--only", default=",".join(PARTS),
                    help="comma-separated parts to measure (%s); the file keeps the others' sections"
                    % ", ".join(PARTS))
    ap.add_argument("--lighthouse-runs", type=int, default=bench_phone.LIGHTHOUSE_RUNS,
                    help="phone: Lighthouse runs a page, the median reported (default %(default)s)")
    ap.add_argument("--quick", action="store_true", help="kernels: one teaching size and the larger one, 2 rounds "
                    "(a check that everything runs; the results file is not written)")
    args = ap.parse_args(argv)
    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    if not parts or set(parts) - set(PARTS):
        ap.error(f"--only: expected parts among {', '.join(PARTS)}, got {args.only!r}")
    site = args.site.resolve()
    if not (site / "engine" / "engine.json").exists():
        raise SystemExit(f"{site} has no engine/: run `make site` first")
    for name, (folder, probe) in PEER_FILES.items():
        if not (folder / probe).exists():
            raise SystemExit(f"{folder / probe} is missing: run `make deps` (npm ci)")
    lesson = args.lesson or find_lesson(site)

    from playwright.sync_api import sync_playwright
    results = {"parts": parts}
    with tempfile.TemporaryDirectory(prefix="sh-bench-") as tmp:
        tmp = pathlib.Path(tmp)
        base, server = serve_bench(tmp, site)
        external = []

        def guarded_context(**kwargs):
            ctx = browser.new_context(**kwargs)
            ctx.route(lambda u: not is_local(u), lambda route: (external.append(route.request.url), route.abort()))
            return ctx

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            results["chromium"] = browser.version

            # 1. cold and warm time to the first demo result (the demo on screen at load: a tall viewport)
            if "first-result" in parts:
                colds = []
                for _ in range(3):                       # each cold run in a fresh context: an empty HTTP cache
                    ctx = guarded_context(viewport={"width": 1280, "height": 4000})
                    ctx.add_init_script(READY_HOOK)
                    page = ctx.new_page()
                    colds.append(time_to_first_demo(page, base + "site/" + lesson))
                    if len(colds) < 3:
                        ctx.close()
                cold = sorted(colds, key=lambda c: c["ms"])[1]          # the median run
                warm = [time_to_first_demo(page, base + "site/" + lesson)["ms"] for _ in range(3)]
                results["first"] = dict(
                    cold_ms=cold["ms"], cold_demo=cold["demo"], warm_ms=statistics.median(warm), warm_all_ms=warm,
                    cold_all_ms=[c["ms"] for c in colds], lesson=lesson, cold_engine_start_ms=cold["engine_start"],
                    cold_engine_ready_ms=cold["engine_ready"], conditions=conditions(results["chromium"]))
                print(f"first demo result ({cold['demo']} on {lesson}): cold {cold['ms'] / 1000:.2f} s "
                      f"median of 3 (engine started at {cold['engine_start'] / 1000:.2f} s, ready at "
                      f"{cold['engine_ready'] / 1000:.2f} s), warm {statistics.median(warm) / 1000:.2f} s "
                      "(median of 3)", flush=True)
                ctx.close()

            # 2. LSTM forward + backward per step: compiled vs plain Python
            if "plain" in parts:
                ctx = guarded_context()
                page = ctx.new_page()
                page.goto(base + "bench.html")
                page.wait_for_function("() => window.benchReady")
                info = page.evaluate("() => window.bench.call('info', {})")
                sizes = []
                for (T, B, I, H) in SIZES:
                    code = PY_BENCH.format(T=T, B=B, I=I, H=H)
                    out = page.evaluate("(code) => window.bench.runPython(code, {budgetMs: 300000})", code)
                    if out["stderr"]:
                        raise SystemExit(f"the Pyodide benchmark failed:\n{out['stderr']}")
                    row = {"T": T, "B": B, "I": I, "H": H, **json.loads(out["stdout"])}
                    row["core_vs_plain"] = row["plain_ms_per_step"] / row["core_ms_per_step"]
                    sizes.append(row)
                    print(f"LSTM T={T} B={B} I={I} H={H} fwd+bwd per step: compiled core "
                          f"{row['core_ms_per_step']:.4f} ms | plain Python {row['plain_ms_per_step']:.3f} ms "
                          f"({row['core_vs_plain']:.0f}x) | max |dW_hh core - plain| {row['max_abs_diff_dW_hh']:.1e}",
                          flush=True)
                results["plain"] = {"python": info["python"], "sizes": sizes,
                                    "conditions": conditions(results["chromium"])}
                ctx.close()

            # 3. the compiled core against TensorFlow.js and ONNX Runtime Web
            if "kernels" in parts:
                ctx = guarded_context()
                page = ctx.new_page()
                page.on("pageerror", lambda e: print(f"kernels page error: {e}", file=sys.stderr))
                page.goto(base + "kernels/index.html")
                page.wait_for_function("() => window.kernelsReady")
                results["kernels"] = run_kernels(page, base, tmp / "models", quick=args.quick)
                results["kernels"]["conditions"] = conditions(results["chromium"])
                ctx.close()

            # 4. phones: Lighthouse, first pictures, the offline cache
            if "phone" in parts:
                results["phone"] = bench_phone.run(site, browser, runs=args.lighthouse_runs)
            browser.close()
        server.shutdown()
    if external:
        raise SystemExit(f"requests left 127.0.0.1: {sorted(set(external))}")
    checks = []
    if "first" in results:
        checks.append(results["first"]["cold_ms"] <= COLD_TARGET_S * 1000)
    if "plain" in results:
        checks.append(all(r["core_vs_plain"] >= 20 for r in results["plain"]["sizes"]))
    if "kernels" in results:
        teaching = [r for r in results["kernels"]["rows"] if r["teaching"]]
        met = all(r["ratio"] >= KERNEL_TARGET for r in teaching)
        print(f"kernels at teaching sizes: core / best peer from {min(r['ratio'] for r in teaching):.1f}x to "
              f"{max(r['ratio'] for r in teaching):.1f}x (target >= {KERNEL_TARGET:g}x: {'met' if met else 'NOT met'})")
        checks.append(met)
    print(f"targets of the parts run ({', '.join(parts)}): {'met' if all(checks) else 'NOT met'}")
    if args.quick:
        print("--quick: results file not written")
        return 0
    write_report(args.out, results)
    print(f"wrote {args.out}")
    return 0


def conditions(chromium):
    """When and on what a part was measured: the machine is shared, so the load goes with every figure."""
    cpu = platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return (f"Measured {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC in headless Chromium "
            f"{chromium} on {cpu} ({os.cpu_count()} CPUs, {platform.system()}), load average "
            f"{' '.join(f'{v:.2f}' for v in load)} at the end of the part (the machine is shared with other jobs: "
            "figures vary from run to run).")


PEER_TITLES = {"tfjs-wasm-ops": "tfjs wasm, ops", "tfjs-wasm-layers": "tfjs wasm, tf.layers", "tfjs-cpu-ops":
               "tfjs cpu, ops", "tfjs-cpu-layers": "tfjs cpu, tf.layers", "ort": "ORT web"}
# The file's sections, in order: (key, headings that belong to it: the first is what this script writes; the
# others are older names of the same section, replaced when it is measured again)
SECTIONS = [
    ("first", ("## Opening a lesson to its first demo result",)),
    ("plain", ("## Compiled core vs plain Python in Pyodide", "## LSTM forward + backward, per time step")),
    ("kernels", ("## The compiled core against TensorFlow.js and ONNX Runtime Web",)),
    ("phone", ("## Phones",)),
]


def fmt_ms(ms):
    return f"{ms * 1000:.1f} µs" if ms < 1 else f"{ms:.2f} ms"


def first_lines(r):
    return [
        "## Opening a lesson to its first demo result",
        "",
        r["conditions"],
        "",
        f"Page `{r['lesson']}`, the demo on screen at load; time from navigation start to the first "
        f"`data-status=\"ready\"` (`{r['cold_demo']}`), which includes downloading and starting Pyodide, loading the "
        "rnncore wheel, the first computation and drawing its chart.",
        "",
        "| | time | target |",
        "| --- | --- | --- |",
        f"| cold (fresh browser context, empty cache; median of "
        f"{', '.join(f'{v / 1000:.2f}' for v in r['cold_all_ms'])} s) | {r['cold_ms'] / 1000:.2f} s | <= {COLD_TARGET_S:g} s "
        f"{'(met)' if r['cold_ms'] <= COLD_TARGET_S * 1000 else '(NOT met)'} |",
        f"| warm (reload in the same context; median of {', '.join(f'{v / 1000:.2f}' for v in r['warm_all_ms'])} s) "
        f"| {r['warm_ms'] / 1000:.2f} s | |",
        "",
        f"Median cold run: the page created the engine's worker at {r['cold_engine_start_ms'] / 1000:.2f} s, "
        f"Pyodide + rnncore were ready at {r['cold_engine_ready_ms'] / 1000:.2f} s (starting Pyodide is most of it), "
        f"the first result was drawn at {r['cold_ms'] / 1000:.2f} s.",
    ]


def plain_lines(r):
    lines = [
        "## Compiled core vs plain Python in Pyodide (LSTM forward + backward, float64, per time step)",
        "",
        r["conditions"],
        "",
        f"Pyodide with Python {r['python']}. Time of one full forward + backward pass (all weight gradients) divided",
        "by T; the best of several runs for each (>= 1 s of repetitions for the core, 2-3 runs of plain Python).",
        "Compiled core: `rnncore.LSTM` forward/backward in Pyodide (the Cython kernels compiled to WebAssembly).",
        "Plain Python: the same equations with lists in Pyodide (`sum(map(mul, ...))` dot products); its dW_hh",
        "matches the core's (last column). The peers that matter more (TensorFlow.js, ONNX Runtime Web) are in the",
        "next section.",
        "",
        "| T, B, I, H | compiled core | plain Python | core vs plain | max diff dW_hh |",
        "| --- | --- | --- | --- | --- |",
    ]
    for s in r["sizes"]:
        lines.append(
            f"| {s['T']}, {s['B']}, {s['I']}, {s['H']} | {s['core_ms_per_step'] * 1000:.1f} µs | "
            f"{s['plain_ms_per_step'] * 1000:.0f} µs | "
            f"{s['core_vs_plain']:.0f}x {'(>= 20x: met)' if s['core_vs_plain'] >= 20 else '(< 20x: NOT met)'} | "
            f"{s['max_abs_diff_dW_hh']:.1e} |")
    return lines


def kernel_lines(r):
    info, rows = r["info"], r["rows"]
    teaching = [row for row in rows if row["teaching"]]
    met = all(row["ratio"] >= KERNEL_TARGET for row in teaching)
    low = min(teaching, key=lambda row: row["ratio"])
    lines = [
        "## The compiled core against TensorFlow.js and ONNX Runtime Web (float32)",
        "",
        r["conditions"],
        "",
        f"- The core: `rnncore.LSTM`/`GRU(dtype=\"float32\")` in the site's Pyodide engine (Python {info['python']}, "
        "the wheel's kernels compiled to WebAssembly with SIMD128), one thread, in the engine's worker, through the "
        "public API (forward; forward then backward, which also computes dx).",
        f"- TensorFlow.js {info['tfjs']} with `@tensorflow/tfjs-backend-wasm` {info['tfjsWasm']}: the SIMD build "
        f"(WASM_HAS_SIMD_SUPPORT {str(info['tfjsWasmSimd']).lower()}, multithreading "
        f"{str(info['tfjsWasmThreads']).lower()}: the page is "
        f"{'' if info['crossOriginIsolated'] else 'not '}cross-origin isolated), and its CPU backend (plain "
        "JavaScript). Two ways to write the model: *ops*, the cell written with tf ops as a TF.js user porting a "
        "PyTorch model would (the input projection of all steps as one `tf.matMul`, then per step "
        "`matMul(h, W_hh^T)`, `split`, `sigmoid`/`tanh`; PyTorch's GRU with r applied to W_hn h + b_hn), and "
        "*tf.layers*, `tf.layers.lstm` (recurrentActivation `sigmoid`, PyTorch's cell; batch-first input). LSTM "
        "only: `tf.layers.gru` has no reset_after, so it computes another GRU than PyTorch's and the core's. "
        "Backward: `tf.variableGrads` of sum(y * dy) over all the weights (no dx). The forward reads its output "
        "back (`dataSync`).",
        f"- ONNX Runtime Web {info['ort']} (`onnxruntime-web/wasm`, `ort-wasm-simd-threaded.wasm`: SIMD; "
        f"numThreads {info['ortThreads']}), one LSTM/GRU node built by `bench_core.onnx_model` (PyTorch's "
        "weights, GRU with linear_before_reset=1), forward only (`await session.run`, its output read back).",
        "- Same weights (rnncore's initialisation, seed 0) and inputs for all; before timing, every peer's output "
        "and (with backward) its dW_hh were compared with the core's, in the core's worker: the largest "
        "differences are in the last column (float32; the check allows 2e-4 + 2e-3 * max |core|).",
        f"- Timing inside the page with `performance.now()` (the core: `time.perf_counter()` in Pyodide, which "
        f"is the worker's `performance.now()`): loops of >= {KERNEL_LOOP_MS} ms (the browser's clock is coarse "
        f"without cross-origin isolation), {KERNEL_ROUNDS} rounds in which the peers take turns, one untimed call "
        f"before each loop; the best round (a call of over {KERNEL_SLOW_MS / 1000:g} s, TF.js's CPU backend at the "
        "larger size, is measured once). Time per call (one whole sequence); in brackets the peer's time over "
        "the core's (above 1: the core is faster). Best peer / core: against the fastest peer of that row.",
        "",
        "| cell | phase | B, I, H, T | size from | forward multiply-adds | core | "
        + " | ".join(PEER_TITLES[p] for p in KERNEL_PEERS) + " | best peer / core | max diff y, dW_hh |",
        "|" + " --- |" * (8 + len(KERNEL_PEERS)),
    ]
    for row in rows:
        ms = row["ms"]
        cells = [f"{fmt_ms(ms[p])} ({ms[p] / ms['core']:.1f}x)" if p in ms else "-" for p in KERNEL_PEERS]
        mark = "" if not row["teaching"] else (" (>= 3x: met)" if row["ratio"] >= KERNEL_TARGET else " (NOT met)")
        diff = f"{row['diff']['y']:.1e}" + (f", {row['diff']['dW_hh']:.1e}" if row["diff"]["dW_hh"] is not None
                                             and row["phase"] == "fb" else "")
        lines.append(f"| {row['cell'].upper()} | {'forward' if row['phase'] == 'fwd' else 'fwd + bwd'} | "
                     f"{row['B']}, {row['I']}, {row['H']}, {row['T']} | {row['what']} | {macs(row):,} | "
                     f"{fmt_ms(ms['core'])} | "
                     + " | ".join(cells) + f" | {row['ratio']:.1f}x ({PEER_TITLES[row['best']]}){mark} | {diff} |")
    lines += [
        "",
        f"Target (issue 13): at teaching sizes (the first {TEACHING} sizes) the core >= {KERNEL_TARGET:g}x the best "
        f"peer: {'met' if met else 'NOT met'} (lowest: {low['ratio']:.1f}x, {low['cell'].upper()} "
        f"{'forward' if low['phase'] == 'fwd' else 'fwd + bwd'} at {low['B']}, {low['I']}, {low['H']}, {low['T']}, "
        f"against {PEER_TITLES[low['best']]}).",
        "",
    ]
    prof = r["profile"]
    fwd = [row for row in teaching if row["phase"] == "fwd"]
    fb = [row for row in teaching if row["phase"] == "fb"]
    big = [row for row in rows if not row["teaching"] and row["phase"] == "fwd"]
    rate = max(macs(row) / (row["ms"]["core"] * 1000) for row in big)   # multiply-adds per µs, larger size
    span = lambda rs: f"{min(r['ratio'] for r in rs):.1f}x to {max(r['ratio'] for r in rs):.1f}x"  # noqa: E731
    lines += [
        f"- Forward at teaching sizes: the fastest peer ({'; '.join(sorted({PEER_TITLES[r['best']] for r in fwd}))})"
        f" over the core: {span(fwd)}. These sequences are small: at the rate the core's forward "
        f"reaches at the larger size ({rate:.0f} multiply-adds per µs), their arithmetic would take "
        f"{min(macs(r) / rate for r in fwd):.0f} to {max(macs(r) / rate for r in fwd):.0f} µs of the "
        f"{min(r['ms']['core'] for r in fwd) * 1000:.0f} to {max(r['ms']['core'] for r in fwd) * 1000:.0f} µs "
        "a call takes (their small products and gate loops run well below that rate). The core's forward is one "
        "compiled call (`rnncore._stack.forward`: the checks of x and every parameter, the allocations, every layer "
        "and direction through the kernels), so cProfile sees only its Python caller "
        f"({prof['cell'].upper()} {prof['B']}, {prof['I']}, {prof['H']}, {prof['T']}, in the engine's worker, own "
        "time by function: " + ", ".join(f"`{name}` {share:.0%}" for name, share in prof["top"][:3])
        + "); measured instead: a forward of the same model over one step of one row takes "
        f"{prof['fixed_ms'] * 1000:.1f} µs (the fixed cost of a call: entering C, the checks and NaN scans, the "
        f"allocations, the kernels' set-up), each further step of that case {prof['step_ms'] * 1000:.2f} µs "
        f"({prof['full_ms'] * 1000:.1f} µs a call in all, timed in the same worker). ONNX Runtime Web's per-call "
        "cost is its async `session.run` (a call into its WASM module, the output copied out).",
        f"- Forward at the larger size: the fastest peer ({'; '.join(sorted({PEER_TITLES[r['best']] for r in big}))})"
        f" over the core: {span(big)}.",
        f"- Forward + backward: TensorFlow.js is the only peer that trains (ONNX Runtime Web runs inference only); "
        f"at teaching sizes the fastest TF.js variant over the core: {span(fb)}. TF.js runs each time step as several "
        "small ops (each dispatch costs microseconds on either backend) and differentiates through its tape.",
        "- The machine is shared (see the load above): absolute times move from run to run by a factor of two or "
        "more; the ratios, from interleaved rounds, move less.",
    ]
    return lines


def macs(row):
    """Multiply-adds of one forward pass: T * B * G*H * (I + H)."""
    return row["T"] * row["B"] * {"lstm": 4, "gru": 3}[row["cell"]] * row["H"] * (row["I"] + row["H"])


def split_sections(text):
    """{key: lines} of an existing results file's sections (see SECTIONS); unknown sections under their heading."""
    out, key = {}, None
    for line in text.splitlines():
        if line.startswith("## "):
            key = next((k for k, heads in SECTIONS if any(line.startswith(h) for h in heads)), line)
            out[key] = []
        if key is not None:
            out[key].append(line)
    return {k: v[:-1] if v and not v[-1].strip() else v for k, v in out.items()}


def write_report(path, r):
    """The sections of the parts run now, and the previous file's sections of the parts not run."""
    old = split_sections(path.read_text(encoding="utf-8")) if path.exists() else {}
    new = {}
    if "first" in r:
        new["first"] = first_lines(r["first"])
    if "plain" in r:
        new["plain"] = plain_lines(r["plain"])
    if "kernels" in r:
        new["kernels"] = kernel_lines(r["kernels"])
    if r.get("phone"):
        new["phone"] = bench_phone.report_lines(r["phone"])
    lines = [
        "# Browser benchmark",
        "",
        "`make bench-browser` (tests/bench/bench_browser.py). Each section says when, on what and under which load "
        "it was measured: `--only PART` measures parts again and replaces only their sections.",
    ]
    keys = [k for k, _ in SECTIONS] + [k for k in old if k not in dict(SECTIONS)]
    for k in keys:
        section = new.get(k) or old.get(k)
        if section:
            lines += [""] + section
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
