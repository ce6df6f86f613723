"""The vectorised activations of _activations.pxd keep their documented error bound (see its docstring)."""
import importlib

import numpy as np
import pytest

from rnncore import _ops

OPS = [_ops]
for _simd, _ok in (("avx2", _ops.cpu_has_avx2_fma()), ("avx512", _ops.cpu_has_avx512())):
    try:                                    # the AVX2 / AVX-512 builds of the same kernels (x86-64 only)
        if _ok:
            OPS.append(importlib.import_module("rnncore._ops_" + _simd))
    except ImportError:
        pass

# Documented bounds: max relative error (vs float64/long-double numpy), max absolute error.
BOUNDS = {"float32": (2.5e-7, 1.2e-7), "float64": (2e-15, 5e-16)}


def grid():
    dense = np.linspace(-30.0, 30.0, 400001)
    tiny = np.geomspace(1e-30, 30.0, 20001)
    edges = np.array([0.0, -0.0, 1e-45, 0.125, 0.3465, 0.3466, 9.0, 20.0, 40.0, 86.0, 88.0, 700.0, 1e30, -1e30])
    return np.concatenate([dense, tiny, -tiny, edges, -edges])


@pytest.mark.parametrize("ops", OPS, ids=lambda m: m.__name__.rsplit(".", 1)[-1])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_activation_error_bound(name, dtype, ops):
    x = grid().astype(dtype)
    x64 = x.astype(np.longdouble)
    with np.errstate(over="ignore"):
        exact = 1.0 / (1.0 + np.exp(-x64)) if name == "sigmoid" else np.tanh(x64)
    got = x.copy()
    getattr(ops, name + "_inplace")(got)
    assert np.all(np.isfinite(got))
    err = np.abs(got.astype(np.longdouble) - exact)
    normal = np.abs(exact) >= np.finfo(dtype).tiny                 # relative error where the result is a normal number
    rel = err[normal] / np.abs(exact[normal])
    rel_bound, abs_bound = BOUNDS[dtype]
    assert float(rel.max()) <= rel_bound, (name, dtype, float(rel.max()), x[normal][np.argmax(rel)])
    assert float(err.max()) <= abs_bound
    # exact where the function saturates and odd / symmetric as it should be
    if name == "tanh":
        assert got[x == 40.0][0] == 1.0 and got[x == -40.0][0] == -1.0
        pos = x > 0
        xn = -x[pos]
        ops.tanh_inplace(xn)
        np.testing.assert_array_equal(xn, -got[pos])
    else:
        assert got[x == 88.0][0] == 1.0 and 0.0 <= got[x == -1e30][0] < 1e-30
