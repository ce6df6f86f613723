"""Does -msimd128 speed the compiled core up in Pyodide? Builds the wheel with and without it, times the LSTM
sequence kernels (forward + backward) in Node.js, prints ms per call and the ratio.

    python tests/wasm/bench_simd.py [--sizes T,B,I,H ...] [--reps N]

Not collected by pytest (bench_*.py). The kernels are called directly (rnncore.cells.lstm), so the number is the
compiled loop's own speed, not the API's allocation and validation around it.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "build", "wasm"))
import build_wheel  # noqa: E402

BENCH = r"""
import array, json, time
from rnncore.cells import lstm

def buf(code, shape, fill=0.01):
    n = 1
    for s in shape:
        n *= s
    a = array.array(code, [fill * ((i * 7919) % 13 - 6) for i in range(n)])
    return memoryview(a).cast("B").cast(code, shape)

out = {}
for (T, B, I, H) in SIZES:
    for code, name in (("f", "float32"), ("d", "float64")):
        G = 4 * H
        a0 = buf(code, (T, B, G)); a = buf(code, (T, B, G))
        w_hh_t = buf(code, (H, G)); w_hh = buf(code, (G, H)); b_hh = buf(code, (G,))
        h0 = buf(code, (B, H)); c0 = buf(code, (B, H))
        c = buf(code, (T, B, H), 0); y = buf(code, (T, B, H), 0); dy = buf(code, (T, B, H))
        dh = buf(code, (B, H), 0); dc = buf(code, (B, H), 0); da = buf(code, (T, B, G), 0)
        nsq = memoryview(array.array("d", [0.0] * T)); dw = buf(code, (G, H), 0)
        def once():
            a.cast("B")[:] = a0.cast("B")
            lstm.lstm_seq_fwd(a, w_hh_t, b_hh, h0, c0, c, y, 0, False)
            lstm.lstm_seq_bwd(a, c, c0, y, h0, w_hh, dy, dh, dc, da, nsq, dw, True, 0, False)
        once()
        best = 1e9
        for _ in range(REPS):
            t = time.perf_counter(); once(); best = min(best, time.perf_counter() - t)
        out[f"kernels T={T} B={B} I={I} H={H} {name}"] = best * 1e3
        import rnncore
        m = rnncore.LSTM(input_size=I, hidden_size=H, dtype=name, seed=0)
        x = buf(code, (T, B, I)); dy = buf(code, (T, B, H))
        def api():
            m.forward(x)
            m.backward(dy)
        api()
        best = 1e9
        for _ in range(REPS):
            t = time.perf_counter(); api(); best = min(best, time.perf_counter() - t)
        out[f"API     T={T} B={B} I={I} H={H} {name}"] = best * 1e3
json.dumps(out)
"""


def run_variant(wheel, sizes, reps):
    code = f"SIZES = {sizes!r}\nREPS = {reps}\n" + BENCH
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({"pyodide": os.path.join(ROOT, "node_modules", "pyodide"), "wheels": [wheel], "code": code}, f)
    proc = subprocess.run(["node", os.path.join(HERE, "run_pyodide.mjs"), f.name], capture_output=True, text=True)
    os.unlink(f.name)
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    if not res["ok"]:
        raise SystemExit(res["error"])
    return json.loads(res["result"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", nargs="*", default=["50,1,32,32", "50,8,64,64", "20,16,128,128"])
    ap.add_argument("--reps", type=int, default=20)
    args = ap.parse_args()
    sizes = [tuple(int(v) for v in s.split(",")) for s in args.sizes]
    results = {}
    for simd in (False, True):
        out = os.path.join(ROOT, ".build", "wasm", "bench-" + ("simd" if simd else "scalar"))
        wheel = build_wheel.build(simd=simd, out=out)
        results[simd] = run_variant(wheel, sizes, args.reps)
    print(f"{'LSTM fwd+bwd (best of %d)' % args.reps:44s} {'scalar ms':>10s} {'simd128 ms':>11s} {'speedup':>8s}")
    for k in results[False]:
        s, v = results[False][k], results[True][k]
        print(f"{k:44s} {s:10.3f} {v:11.3f} {s / v:7.2f}x")


if __name__ == "__main__":
    main()
