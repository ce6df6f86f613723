"""The compiled core's side of the kernel benchmark (kernels.js runs this file in the site's Pyodide engine, in the
playground's worker, whose namespace lives as long as the page).

Data comes in and goes out as base64 of little-endian float32 bytes: the engine's answers are text clipped to
100,000 characters, so whole outputs never travel back; a peer's output travels *in* and the difference from the
core's is computed here. No numpy (the browser has none): buffers are ``array.array`` and shaped memoryviews.
Plain Python, so it also runs natively (tests/bench/test_kernels_page.py checks it there).
"""
import base64
import json
import time
from array import array

import rnncore


def f32(b64, shape):
    """A C-contiguous float32 memoryview of ``shape`` from base64 float32 bytes."""
    return memoryview(array("f", base64.b64decode(b64))).cast("B").cast("f", shape)


def flat(a):
    """Any C-contiguous float32 buffer (memoryview, ndarray) as a flat array('f')."""
    return array("f", memoryview(a).tobytes())


class Case:
    """One cell at one size: the model with the given weights, its input, dy, and its own results to compare with."""

    def __init__(self, cell, T, B, I, H, x, dy, params):
        self.model = getattr(rnncore, cell.upper())(I, H, dtype="float32", seed=0)
        self.model.load_state_dict({name: f32(b64, tuple(self.model.params[name].shape))
                                    for name, b64 in params.items()})
        self.x, self.dy = f32(x, (T, B, I)), f32(dy, (T, B, H))
        y, _ = self.model.forward(self.x)
        grads = self.model.backward(self.dy)[0]
        self.ref = {"y": flat(y), "dW_hh": flat(grads["weight_hh_l0"])}

    def diff(self, what, b64):
        """max |peer - core| over ``what`` ("y" (T, B, H) or "dW_hh" (G*H, H)), and max |core| for scale."""
        ref, got = self.ref[what], array("f", base64.b64decode(b64))
        if len(got) != len(ref):
            raise ValueError("%s: expected %d values, got %d" % (what, len(ref), len(got)))
        return {"max_abs_diff": max(abs(a - b) for a, b in zip(got, ref)), "max_abs_ref": max(map(abs, ref))}

    def loop(self, phase, n):
        """Milliseconds per call of ``n`` calls in a row: "fwd" (forward) or "fb" (forward then backward)."""
        m, x, dy = self.model, self.x, self.dy
        t0 = time.perf_counter()                   # performance.now() of the worker, under Pyodide
        if phase == "fwd":
            for _ in range(n):
                m.forward(x)
        else:
            for _ in range(n):
                m.forward(x)
                m.backward(dy)
        return 1000 * (time.perf_counter() - t0) / n

    def profile(self, n=200):
        """Where the time of ``n`` forward calls goes: {ms_per_call (under cProfile), top: [[function, share of own
        time], ...], fixed_ms, step_ms}. The forward is one compiled call (rnncore._stack.forward: checks,
        allocation, every layer and direction through the kernels), which cProfile counts in its Python caller
        ``api.py:forward``; so the time inside it is split by measurement instead: ``fixed_ms`` is a forward of this
        model over one step of one row (the cost of a call whatever its size: crossing into C, checking x and every
        parameter, allocating, the kernels' set-up), ``step_ms`` the rest of this case's call per time step."""
        import cProfile
        import pstats
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(n):
            self.model.forward(self.x)
        prof.disable()
        stats = pstats.Stats(prof)
        own = {}
        for (path, _, name), (_, _, tt, _, _) in stats.stats.items():
            key = name if path == "~" else "%s:%s" % (path.rsplit("/", 1)[-1], name)    # "~": a C function
            own[key] = own.get(key, 0.0) + tt
        top = sorted(own.items(), key=lambda kv: -kv[1])[:8]
        T, I = self.x.shape[0], self.x.shape[2]
        one = memoryview(array("f", self.x.tobytes()[:4 * I])).cast("B").cast("f", (1, 1, I))
        # a model of its own for the one-step calls: each model reuses its last call's buffers when T and B are
        # the same, as the timed loops do
        small = type(self.model)(I, self.model.hidden_size, dtype="float32", seed=0)
        small.load_state_dict(self.model.state_dict())
        fixed = full = float("inf")
        for _ in range(7):                  # interleaved, best of each: a busy machine slows both alike
            fixed = min(fixed, self._per_call(lambda: small.forward(one), 1000))
            full = min(full, self._per_call(lambda: self.model.forward(self.x), max(1, n // 4)))
        return {"ms_per_call": 1000 * stats.total_tt / n,
                "top": [[name, tt / stats.total_tt] for name, tt in top],
                "fixed_ms": fixed, "step_ms": (full - fixed) / T, "full_ms": full}

    @staticmethod
    def _per_call(fn, n):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        return 1000 * (time.perf_counter() - t0) / n


def answer(obj):
    """What the page reads back: one line of JSON on stdout."""
    print(json.dumps(obj))
