"""Does -msimd128 speed the compiled core up in Pyodide? Builds the wheel with and without it, times the LSTM
sequence kernels (forward + backward) in Node.js, prints ms per call and the ratio.

    python tests/wasm/bench_simd.py [--sizes T,B,I,H ...] [--reps N]

Not collected by pytest (bench_*.py). Timed through the public API (rnncore.LSTM forward + backward, buffers in,
no numpy), as the demos call it.
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
import rnncore

def buf(code, shape, fill=0.01):
    n = 1
    for s in shape:
        n *= s
    a = array.array(code, [fill * ((i * 7919) % 13 - 6) for i in range(n)])
    return memoryview(a).cast("B").cast(code, shape)

out = {}
for (T, B, I, H) in SIZES:
    for code, name in (("f", "float32"), ("d", "float64")):
        m = rnncore.LSTM(input_size=I, hidden_size=H, dtype=name, seed=0)
        x = buf(code, (T, B, I)); dy = buf(code, (T, B, H))
        def once():
            m.forward(x)
            m.backward(dy)
        once()
        best = 1e9
        for _ in range(REPS):
            t = time.perf_counter(); once(); best = min(best, time.perf_counter() - t)
        out[f"T={T} B={B} I={I} H={H} {name}"] = best * 1e3
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
    print(f"{'LSTM fwd+bwd, best of %d' % args.reps:36s} {'scalar ms':>10s} {'simd128 ms':>11s} {'speedup':>8s}")
    for k in results[False]:
        s, v = results[False][k], results[True][k]
        print(f"{k:36s} {s:10.3f} {v:11.3f} {s / v:7.2f}x")


if __name__ == "__main__":
    main()
