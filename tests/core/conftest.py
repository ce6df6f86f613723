"""Fixtures of the core's tests: a seeded RNG (scikit-learn's global_random_seed idea) and the routes a call can
take (each compiled kernel build, and the BLAS step loop)."""
import pytest

from rnncore import api

from core_cases import SEED


@pytest.fixture
def global_random_seed():
    return SEED


def kernel_sets():
    """The compiled kernel modules: the portable build, and the AVX2 / AVX-512 builds where this CPU runs them."""
    import importlib
    from rnncore import _ops
    from rnncore.cells import gru, lstm, rnn
    sets = {"baseline": (_ops, rnn, lstm, gru)}
    for simd, ok in (("avx2", _ops.cpu_has_avx2_fma()), ("avx512", _ops.cpu_has_avx512())):
        if ok:
            try:
                sets[simd] = tuple(importlib.import_module("rnncore.%s_%s" % (n, simd))
                                   for n in ("_ops", "cells.rnn", "cells.lstm", "cells.gru"))
            except ImportError:
                pass
    return sets


KERNELS = kernel_sets()
ROUTES = ["kernel-" + k for k in KERNELS] + ["blas"]


@pytest.fixture(params=ROUTES)
def route(request, monkeypatch):
    """Run each test through the sequence kernels (each build) and through the BLAS step loop."""
    for name in ("BLAS_MIN_MACS", "BLAS_MIN_MACS_SMALL_BATCH"):
        monkeypatch.setattr(api, name, 0 if request.param == "blas" else 1 << 62)
    simd = request.param.split("-")[1] if "-" in request.param else api.SIMD
    for name, mod in zip(("_ops", "_rnn", "_lstm", "_gru"), KERNELS[simd]):
        monkeypatch.setattr(api, name, mod)
    monkeypatch.setattr(api, "_SMALL_BATCH_CELLS", None)             # this build for every batch size
    return request.param
