"""Native benchmark of the compiled core (``make bench``): rnncore vs the numpy reference vs PyTorch CPU (one
thread and its default thread count) vs ONNX Runtime CPU (forward).

For LSTM and GRU, forward and forward+backward, float32, at (B, I, H, T) in SIZES, plus a stacked case
(num_layers = 2) and a variable-length case (``lengths``; PyTorch through pack_padded_sequence, ONNX Runtime
through the ops' sequence_lens), it prints the time of each and the ratios, and writes the table to
tests/bench/results-core.md (date, machine, load, versions). The core, the reference, "torch 1t" and ONNX Runtime
run on one thread (torch.set_num_threads(1), OPENBLAS_NUM_THREADS=1 before numpy loads, ORT intra/inter-op
threads 1). Their times are CPU time of this process (time.process_time: other jobs on a shared machine do not
inflate it; one thread, so it equals wall time on an idle machine). "torch Nt" runs with PyTorch's default thread
count and is timed in wall time (its CPU time would add its threads up). Best of several interleaved repeats of a
loop lasting at least MIN_TIME seconds.

ONNX Runtime runs a graph built here with the ``onnx`` package: one LSTM/GRU node per layer (PyTorch's weights
with the gate blocks reordered to ONNX's i, o, f, c / z, r, h; GRU with linear_before_reset=1, PyTorch's
formula), checked against the core's output before it is timed. onnx and onnxruntime are pinned in
tests/bench/requirements-bench.txt, which ``make bench`` installs (they are not part of the test install).

Usage: python tests/bench/bench_core.py [--quick] [--no-write] [--only CASE]
(--only L=1|L=2|lengths: measure those rows again and replace them in the results file, keeping the others.)
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import datetime  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import rnncore  # noqa: E402
import rnncore.api  # noqa: E402
from rnncore import reference as ref  # noqa: E402

try:
    import torch
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
    # PyTorch's default intra-op thread count is the machine's cores; the OMP_NUM_THREADS=1 above (for numpy's
    # BLAS) would make it 1, so "torch Nt" sets it to every CPU explicitly
    TORCH_THREADS = os.cpu_count() or 1
    torch.set_num_threads(1)
except ImportError:
    torch = None
    TORCH_THREADS = 0

try:
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper
except ImportError:
    onnx = ort = None

SIZES = [(1, 8, 32, 100), (1, 1, 16, 1000), (16, 32, 128, 200), (64, 128, 256, 100)]   # (B, I, H, T)
# (label, num_layers, lengths?, (B, I, H, T)): a stacked model at a teaching size and a mid size; a batch of
# sequences of different lengths (uniform in [T/4, T], seeded), where padding must cost nothing
EXTRA = [("L=2", 2, False, (4, 8, 32, 100)), ("L=2", 2, False, (16, 32, 128, 200)),
         ("lengths", 1, True, (16, 32, 128, 200))]
CELLS = ["lstm", "gru"]
MIN_TIME = 0.15
REPEATS = 5
CLOCK = time.process_time                                          # CPU time, see the docstring
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results-core.md")


NOTES = """
## How to read it

- Targets: teaching sizes (B = 1, H <= 32; the stacked 4,8,32,100) >= 2.5x torch 1t and ahead of ONNX Runtime;
  (64, 128, 256, 100) LSTM forward and forward+backward >= 1.0x torch 1t. Ratios are the peer's time over the
  core's: 1.00x is parity, above 1 the core is faster.
- torch Nt is wall time with PyTorch's default thread count: on a machine whose CPUs other jobs are using (see
  the load above) its threads wait for a CPU, so it can be far slower than one thread; on an idle machine it is
  the peer to beat at large sizes.
- ONNX Runtime is inference only (no backward); its graph is one LSTM/GRU node per layer, with the same weights,
  its output checked against the core's before timing. Its per-call overhead is low: at the smallest teaching
  size the core's fixed cost per call matters as much as its kernels. That cost is a few microseconds: a
  forward is one compiled call (rnncore._stack.forward) that checks every parameter and input (kind, dtype,
  shape, contiguity and a NaN/inf scan of each value, so a NaN written into a weight in place is caught on the
  next call), allocates the outputs and runs every layer and direction through the kernels as C function
  pointers.
- lengths: the core sorts the rows by length once and its kernels run only the rows still going at each step
  (padding costs no multiply-adds); PyTorch packs the batch (pack_padded_sequence) and unpacks it after, ONNX
  Runtime takes sequence_lens.
- Small sizes: the whole time loop runs in one compiled call per direction and layer; the input projection for
  all steps is one product before the loop; the recurrent products are register-tiled (float32 tiles written
  with GCC/clang vector types, so the accumulators stay in registers; a batch of 1-3 rows keeps four vectors
  of each output row in registers over the whole input), and the activations are branch-free polynomials (no
  libm). From 8 batch rows an LSTM step's whole pre-activation is one product over packed weight panels.
- Large sizes (numpy present): per-step products beyond BLAS_MIN_MACS multiply-adds (4M with AVX2) go to numpy's
  BLAS in a Python time loop, after one BLAS product for the input projection of all steps; an LSTM forward
  keeps its fused kernel up to 8x further (so at 64,128,256,100 its forward is the kernel, its backward BLAS).
  Backward stores dL/da_t of every step and computes dW_hh, dW_ih, dx and the biases' gradients once over all
  (real) rows. The kernel build (portable, AVX2+FMA or AVX-512) is the best this CPU runs (see versions).
- The machine is shared: the load average above says how many other jobs were running. CPU time (not wall time)
  keeps their effect small for the one-thread columns, but caches and the second hardware thread are shared, so
  figures move by 10-20% between runs; torch Nt (wall time, several threads) suffers most.
"""


WALL = {"torch Nt"}                                                # contenders timed in wall time (several threads)


def timeit(fns, min_time=MIN_TIME, repeats=REPEATS):
    """{name: best per-call seconds}: each fn is looped for >= ``min_time``; the contenders take turns for
    ``repeats`` rounds (interleaved, so a busy machine slows them alike) and the best round counts.

    A wall-clock contender whose calls take seconds (several threads on a busy machine) is timed by one call after
    its warm-up, and leaves the rounds: on a loaded machine PyTorch's multi-thread calls took tens of seconds each,
    and timing them like the others would stretch a run past an hour."""
    loops, best = {}, {name: float("inf") for name in fns}
    for name, fn in fns.items():
        clock = time.perf_counter if name in WALL else CLOCK
        fn()                                                         # warm-up
        t0 = clock()
        fn()
        t = clock() - t0
        if name in WALL and t > 10 * min_time:
            best[name] = t                                           # seconds per call: one call tells it
            continue
        loops[name] = max(1, int(min_time / max(t, 1e-7)))
    for rnd in range(repeats):
        for name, n in loops.items():
            fn = fns[name]
            clock = time.perf_counter if name in WALL else CLOCK
            t0 = clock()
            for _ in range(n):
                fn()
            best[name] = min(best[name], (clock() - t0) / n)
    return best


# ONNX gate blocks from PyTorch's: LSTM i, f, g, o -> i, o, f, c; GRU r, z, n -> z, r, h
ONNX_BLOCKS = {"lstm": [0, 3, 1, 2], "gru": [1, 0, 2]}


def onnx_model(cell, params, H, L, with_lengths):
    """The stacked model as serialized ONNX (one LSTM/GRU node per layer, PyTorch's weights):
    X (T, B, I) [, seq_lens (B,)] -> Y (T, B, H). bench_browser.py hands the same bytes to ONNX Runtime Web."""
    def reorder(a):
        return np.concatenate([a[k * H:(k + 1) * H] for k in ONNX_BLOCKS[cell]])

    nodes, inits, x = [], [numpy_helper.from_array(np.array([1], dtype=np.int64), "axis1")], "X"
    for k in range(L):
        sfx = "_l%d" % k
        w = reorder(np.asarray(params["weight_ih" + sfx]))[None]
        r = reorder(np.asarray(params["weight_hh" + sfx]))[None]
        b = np.concatenate([reorder(np.asarray(params["bias_ih" + sfx])),
                            reorder(np.asarray(params["bias_hh" + sfx]))])[None]
        inits += [numpy_helper.from_array(np.ascontiguousarray(w), "W%d" % k),
                  numpy_helper.from_array(np.ascontiguousarray(r), "R%d" % k),
                  numpy_helper.from_array(np.ascontiguousarray(b), "B%d" % k)]
        attrs = {"hidden_size": H}
        if cell == "gru":
            attrs["linear_before_reset"] = 1
        nodes.append(helper.make_node(cell.upper(), [x, "W%d" % k, "R%d" % k, "B%d" % k,
                                                     "seq_lens" if with_lengths else ""], ["Y%d" % k], **attrs))
        x = "X%d" % (k + 1)
        nodes.append(helper.make_node("Squeeze", ["Y%d" % k, "axis1"], [x]))    # (T, 1, B, H) -> (T, B, H)
    inputs = [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["T", "B", "I"])]
    if with_lengths:
        inputs.append(helper.make_tensor_value_info("seq_lens", TensorProto.INT32, ["B"]))
    graph = helper.make_graph(nodes, "rnn", inputs, [helper.make_tensor_value_info(x, TensorProto.FLOAT, ["T", "B", H])],
                              initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8                                           # what every ONNX Runtime of the last years reads
    onnx.checker.check_model(model)
    return model.SerializeToString()


def onnx_session(cell, params, H, L, with_lengths):
    """An ONNX Runtime CPU session (one thread) of :func:`onnx_model`."""
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(onnx_model(cell, params, H, L, with_lengths), so, providers=["CPUExecutionProvider"])


def contenders(cell, B, I, H, T, L=1, varlen=False):
    """{name: (forward fn, forward+backward fn or None)} for one case."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(T, B, I)).astype(np.float32)
    dy = rng.normal(size=(T, B, H)).astype(np.float32)
    lengths = rng.integers(T // 4, T + 1, size=B) if varlen else None
    if varlen:
        lengths[0] = T
    m = getattr(rnncore, cell.upper())(I, H, dtype="float32", seed=0, num_layers=L)

    def core_f():
        m.forward(x, lengths=lengths)

    def core_fb():
        m.forward(x, lengths=lengths)
        m.backward(dy)

    params = {k: np.asarray(v) for k, v in m.params.items()}
    out = {"core": (core_f, core_fb)}
    if L == 1 and not varlen:                                      # the oracle is one layer, fixed length
        def ref_f():
            ref.forward(cell, params, x)

        def ref_fb():
            _, _, caches = ref.forward(cell, params, x)
            ref.backward(cell, caches, dy)

        out["reference"] = (ref_f, ref_fb)
    if torch is not None:
        mod = getattr(torch.nn, cell.upper())(I, H, num_layers=L)
        mod.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in params.items()})
        xt = torch.from_numpy(x).requires_grad_(True)
        dyt = torch.from_numpy(dy)
        lt = torch.from_numpy(lengths) if varlen else None

        def run():
            if not varlen:
                return mod(xt)[0]
            packed = pack_padded_sequence(xt, lt, enforce_sorted=False)
            return pad_packed_sequence(mod(packed)[0], total_length=T)[0]

        def torch_f():
            with torch.no_grad():
                run()

        def torch_fb():
            run().backward(dyt)

        y_core = m.forward(x, lengths=lengths)[0]
        with torch.no_grad():
            np.testing.assert_allclose(run().numpy(), y_core, rtol=2e-3, atol=2e-4)

        def threads(n, fn):
            def f():
                torch.set_num_threads(n)
                try:
                    fn()
                finally:
                    torch.set_num_threads(1)
            return f

        out["torch 1t"] = (torch_f, torch_fb)
        out["torch Nt"] = (threads(TORCH_THREADS, torch_f), threads(TORCH_THREADS, torch_fb))
    if ort is not None:
        sess = onnx_session(cell, params, H, L, varlen)
        feed = {"X": x}
        if varlen:
            feed["seq_lens"] = lengths.astype(np.int32)
        y_ort = sess.run(None, feed)[0]
        np.testing.assert_allclose(y_ort, m.forward(x, lengths=lengths)[0], rtol=2e-3, atol=2e-4)

        def ort_f():
            sess.run(None, feed)

        out["ORT"] = (ort_f, None)                                 # ONNX Runtime: inference only
    return out


def main(argv):
    quick = "--quick" in argv
    cases = [("L=1", 1, False, size) for size in (SIZES[:2] if quick else SIZES)]
    cases += [] if quick else EXTRA
    only = argv[argv.index("--only") + 1] if "--only" in argv else None
    if only:
        cases = [c for c in cases if c[0] == only]
    rows = []
    names = ["core", "reference", "torch 1t", "torch Nt", "ORT"]
    header = ("cell", "phase", "case", "B,I,H,T", "core ms", "reference ms", "torch 1t ms", "torch %dt ms (wall)"
              % TORCH_THREADS, "ORT 1t ms", "ref/core", "torch 1t/core", "torch Nt/core", "ORT/core")
    print(" | ".join(header))
    for cell in CELLS:
        for label, L, varlen, (B, I, H, T) in cases:
            fns = contenders(cell, B, I, H, T, L, varlen)
            for phase, k in (("fwd", 0), ("fwd+bwd", 1)):
                small = B * H < 4096
                tm = timeit({name: f[k] for name, f in fns.items() if f[k] is not None},
                            min_time=MIN_TIME if small else 0.3, repeats=REPEATS if small else 3)
                tm = {name: v * 1e3 for name, v in tm.items()}
                row = [cell, phase, label, "%d,%d,%d,%d" % (B, I, H, T)]
                row += ["%.3f" % tm[n] if n in tm else "-" for n in names]
                row += ["%.1fx" % (tm["reference"] / tm["core"]) if "reference" in tm else "-"]
                row += ["%.2fx" % (tm[n] / tm["core"]) if n in tm else "-" for n in names[2:]]
                rows.append(tuple(row))
                print(" | ".join(row), flush=True)
    if "--no-write" in argv:
        return
    if only:                                                       # splice the new rows into the last results
        with open(OUT) as f:
            text = f.read()
        for r in rows:
            key = "| " + " | ".join(r[:4]) + " |"
            old = next(line for line in text.splitlines() if line.startswith(key))
            text = text.replace(old, "| " + " | ".join(r) + " |")
        text = text.replace("\n\n| cell |", "\n- rows of case %s measured again at %s, load average %s\n\n| cell |" % (
            only, datetime.datetime.now(datetime.timezone.utc).strftime("%H:%M UTC"),
            " ".join("%.2f" % v for v in os.getloadavg())), 1)
        with open(OUT, "w") as f:
            f.write(text)
        print("updated", OUT)
        return
    write_results(header, rows)


def write_results(header, rows, partial=None):
    """results-core.md: the run's conditions, the table, the notes (``partial``: a line saying what is missing)."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    lines = [
        "# rnncore native benchmark",
        "",
        "Written by `tests/bench/bench_core.py` (`make bench`). float32. One thread for the core, the reference, "
        "torch 1t (torch.set_num_threads(1); OPENBLAS_NUM_THREADS=1) and ONNX Runtime (forward only; intra/inter-op "
        "threads 1): CPU time of the process (time.process_time). torch Nt: PyTorch's default thread count, wall "
        "time (one call after the warm-up when a call takes more than %.1f s). Best of %d interleaved loops of "
        ">= %.2f s. ratio > 1: the core is faster. "
        "case L=2: num_layers=2; lengths: lengths uniform in [T/4, T] (PyTorch via pack_padded_sequence, "
        "ONNX Runtime via sequence_lens)." % (10 * MIN_TIME, REPEATS, MIN_TIME),
        "",
        "- date: %s" % datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "- machine: %s, %d CPUs, %s" % (cpu, os.cpu_count() or 0, platform.platform()),
        "- versions: Python %s, numpy %s, rnncore %s (kernels: %s build), torch %s, onnxruntime %s (onnx %s)" % (
            platform.python_version(), np.__version__, rnncore.__version__, rnncore.api.SIMD,
            torch.__version__ if torch is not None else "not installed",
            ort.__version__ if ort is not None else "not installed", onnx.__version__ if onnx is not None else "-"),
        "- load average while measuring (other jobs share the CPU): %s" % " ".join(
            "%.2f" % v for v in os.getloadavg()),
    ] + (["- " + partial] if partial else []) + [
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    lines += ["", NOTES.strip()]
    with open(OUT, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("written", OUT)


if __name__ == "__main__":
    main(sys.argv[1:])
