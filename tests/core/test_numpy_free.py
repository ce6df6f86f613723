"""The numpy-free path (Pyodide has no numpy): same API, nested lists / buffers in, shaped memoryviews out, and
``.tolist()`` equal to the numpy path's, bit for bit (both take the kernel route at these sizes)."""
import json
import math
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import rnncore

# `make test` runs two pytest-xdist workers: this module's tests run on one of them, which runs the
# numpy-free subprocess once.
pytestmark = pytest.mark.xdist_group("numpy-free")

SCRIPT = textwrap.dedent('''
    import array, json, math, sys
    sys.modules["numpy"] = None                      # "import numpy" now raises ImportError, as in Pyodide
    import rnncore
    from rnncore import _buffers
    assert not _buffers.HAVE_NUMPY
    out = {}
    for case in json.loads(sys.argv[1]):
        exec(compile(open(sys.argv[2]).read(), "cases", "exec"), {"case": case, "out": out, "rnncore": rnncore})
    # buffers in: array.array for a 1-D bias, a shaped memoryview for x, element writes into params
    m = rnncore.RNN(2, 3, dtype="float32", seed=1)
    x = memoryview(array.array("f", [0.5, -1.0, 0.25, 2.0])).cast("B").cast("f", (2, 1, 2))
    m.params["weight_hh_l0"][0, 1] = 0.75
    y, h = m.forward(x)
    out["buffers"] = {"y": y.tolist(), "h": h.tolist(), "shape": list(y.shape), "format": y.format,
                      "w": m.params["weight_hh_l0"].tolist()}
    m.load_state_dict({k: v.tolist() for k, v in m.params.items()})
    errors = []
    for bad in ([[[1.0, float("nan")]]], [[[1.0]]], "x", array.array("d", [1.0, 2.0])):
        try:
            m.forward(bad)
        except (ValueError, TypeError) as e:
            errors.append(type(e).__name__ + ": " + str(e))
    try:
        m.save("/tmp/never.npz")
    except RuntimeError as e:
        errors.append("RuntimeError")
    out["errors"] = errors
    print(json.dumps(out))
''')

CASES_CODE = textwrap.dedent('''
    import math
    cell, dtype, bidi, T, B, I, H, L, bf, lengths = case
    D = 2 if bidi else 1
    m = getattr(rnncore, cell.upper())(I, H, bidirectional=bidi, dtype=dtype, seed=3, num_layers=L, batch_first=bf,
                                       dropout=0.25 if L > 1 else 0.0)
    lead = (lambda t, b: (b, t)) if bf else (lambda t, b: (t, b))
    x0 = [[[math.sin(1.0 + t * 7 + b * 3 + i) for i in range(I)] for b in range(B)] for t in range(T)]
    dy0 = [[[math.cos(0.5 * t + b + 0.1 * k) for k in range(D * H)] for b in range(B)] for t in range(T)]
    x = [[x0[t][b] for t in range(T)] for b in range(B)] if bf else x0
    dy = [[dy0[t][b] for t in range(T)] for b in range(B)] if bf else dy0
    s0 = [[[0.1 * (d - b + k) for k in range(H)] for b in range(B)] for d in range(D * L)]
    state = (s0, s0) if cell == "lstm" else s0
    y, sT = m.forward(x, state, lengths=lengths)
    grads, dx, d0 = m.backward(dy)
    tl = lambda s: [a.tolist() for a in s] if isinstance(s, tuple) else s.tolist()
    out[repr(case)] = {"y": y.tolist(), "sT": tl(sT), "dx": dx.tolist(), "d0": tl(d0),
                       "grads": {k: v.tolist() for k, v in grads.items()},
                       "params": {k: v.tolist() for k, v in m.params.items()},
                       "gates": [{k: v.tolist() for k, v in g.items()} for g in m.gates_by_layer],
                       "norms": m.grad_h_norms.tolist(), "norms_d": m.grad_h_norms_by_direction.tolist(),
                       "norms_l": m.grad_h_norms_by_layer.tolist(),
                       "type": type(y).__name__}
''')

CASES = [(cell, dtype, bidi, T, B, I, H, 1, False, None) for cell in ("rnn", "lstm", "gru")
         for dtype in ("float32", "float64") for bidi in (False, True)
         for (T, B, I, H) in [(1, 1, 1, 1), (4, 2, 3, 5), (2, 9, 4, 6)]]
# stacked layers (training mode, dropout 0.25: the masks must match too), batch_first and lengths
CASES += [(cell, "float64", bidi, 5, B, 3, 4, L, bf, lengths) for cell in ("rnn", "lstm", "gru") for bidi in (False, True)
          for (B, L, bf, lengths) in [(3, 2, True, [2, 5, 1]), (9, 3, False, [5, 1, 3, 4, 5, 2, 2, 1, 4]),
                                      (2, 2, False, None)]]


@pytest.fixture(scope="module")
def numpy_free(tmp_path_factory):
    cases_file = tmp_path_factory.mktemp("nf") / "cases.py"
    cases_file.write_text(CASES_CODE)
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(CASES), str(cases_file)], capture_output=True,
                          text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout), cases_file


def test_numpy_free_equals_numpy_path(numpy_free):
    results, cases_file = numpy_free
    here = {}
    for case in json.loads(json.dumps(CASES)):
        exec(compile(cases_file.read_text(), "cases", "exec"), {"case": case, "out": here, "rnncore": rnncore})
    for case in CASES:
        key = repr(list(case))
        got, want = results[key], here[key]
        assert got.pop("type") == "memoryview" and want.pop("type") == "ndarray"
        assert got == want, case                                     # bit-identical


def test_numpy_free_buffers_and_errors(numpy_free):
    results, _ = numpy_free
    b = results["buffers"]
    assert b["shape"] == [2, 1, 3] and b["format"] == "f"
    m = rnncore.RNN(2, 3, dtype="float32", seed=1)
    m.params["weight_hh_l0"][0, 1] = 0.75
    y, h = m.forward(np.array([0.5, -1.0, 0.25, 2.0], dtype=np.float32).reshape(2, 1, 2))
    assert b["y"] == y.tolist() and b["h"] == h.tolist() and b["w"] == m.params["weight_hh_l0"].tolist()
    errs = results["errors"]
    assert len(errs) == 5
    assert errs[0].startswith("ValueError: x: contains 1 NaN")
    assert errs[1] == "ValueError: x: expected shape (T, B, I) = (*, *, 2), got (1, 1, 1)"
    assert errs[2].startswith("TypeError: x: expected an array")
    assert errs[3].startswith("TypeError: x: expected dtype float32")
    assert errs[4] == "RuntimeError"
