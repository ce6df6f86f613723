"""Layer 2 of truth: the compiled core against the numpy reference, every cell x dtype x direction x route."""
import numpy as np
import pytest

import rnncore
from rnncore import api
from rnncore import reference as ref

from core_cases import CELLS, DIRECTIONS, DTYPES, SHAPES, TOL, WIDE_SHAPES


def make(cell, I, H, bidirectional, dtype, seed=0):
    return getattr(rnncore, cell.upper())(I, H, bidirectional=bidirectional, dtype=dtype, seed=seed)


def rand_state(cell, rng, D, B, H, dtype, scale=0.5):
    s = (scale * rng.normal(size=(D, B, H))).astype(dtype)
    return (s, (2 * scale * rng.normal(size=(D, B, H))).astype(dtype)) if cell == "lstm" else s


def as64(s):
    return tuple(np.asarray(a, dtype=np.float64) for a in s) if isinstance(s, tuple) else np.asarray(s, np.float64)


def cat(s):
    return np.concatenate(s) if isinstance(s, tuple) else s


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bidirectional", DIRECTIONS)
@pytest.mark.parametrize("T,B,I,H", SHAPES + WIDE_SHAPES)
def test_core_matches_reference(cell, dtype, bidirectional, T, B, I, H, route, global_random_seed):
    rng = np.random.default_rng(global_random_seed)
    D = 2 if bidirectional else 1
    m = make(cell, I, H, bidirectional, dtype, seed=global_random_seed)
    x = rng.normal(size=(T, B, I)).astype(dtype)
    s0 = rand_state(cell, rng, D, B, H, dtype)
    dy = rng.normal(size=(T, B, D * H)).astype(dtype)
    ds = rand_state(cell, rng, D, B, H, dtype)

    y, sT = m.forward(x, s0)
    grads, dx, d0 = m.backward(dy, ds)

    p64 = {k: np.asarray(v, np.float64) for k, v in m.params.items()}
    yr, sTr, caches = ref.forward(cell, p64, x.astype(np.float64), as64(s0))
    gr, dxr, d0r, nr = ref.backward(cell, caches, dy.astype(np.float64), as64(ds))

    rtol, atol = TOL[dtype]
    assert y.dtype == dtype and y.shape == (T, B, D * H)
    np.testing.assert_allclose(y, yr, rtol=rtol, atol=atol)
    np.testing.assert_allclose(cat(sT), cat(sTr), rtol=rtol, atol=atol)
    np.testing.assert_allclose(dx, dxr, rtol=rtol, atol=atol)
    np.testing.assert_allclose(cat(d0), cat(d0r), rtol=rtol, atol=atol)
    assert set(grads) == set(m.params)
    for k in grads:
        assert grads[k].shape == m.params[k].shape and grads[k].dtype == dtype
        np.testing.assert_allclose(grads[k], gr[k], rtol=rtol, atol=atol * 10, err_msg=k)
    np.testing.assert_allclose(m.grad_h_norms, np.sqrt((nr ** 2).sum(axis=0)), rtol=rtol, atol=atol)
    np.testing.assert_allclose(m.grad_h_norms_by_direction, nr, rtol=rtol, atol=atol)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("bidirectional", DIRECTIONS)
def test_gates_match_reference(cell, bidirectional, route, global_random_seed):
    rng = np.random.default_rng(global_random_seed)
    T, B, I, H = 4, 2, 3, 5
    m = make(cell, I, H, bidirectional, "float64")
    x = rng.normal(size=(T, B, I))
    y, _ = m.forward(x)
    _, _, caches = ref.forward(cell, m.params, x)
    names = api.GATE_NAMES[cell]
    assert tuple(m.gates) == names
    for d, cache in enumerate(caches):
        for t in range(T):
            tt = t if d == 0 else T - 1 - t                          # the reference's reverse pass runs on x[::-1]
            if cell == "rnn":
                want = {"h": cache[1][tt]}
            elif cell == "lstm":
                want = dict(zip("ifgo", cache[3][tt]), c=cache[2][tt])
            else:
                want = dict(zip("rzn", cache[2][tt][:3]))
            for name in names:
                np.testing.assert_allclose(m.gates[name][t, :, d * H:(d + 1) * H], want[name], rtol=1e-12, atol=1e-14)


def test_lstm_forward_by_kernel_then_backward_by_blas(monkeypatch):
    """An LSTM forward keeps its fused kernel up to LSTM_FWD_BLAS_FACTOR times further than its backward: the
    backward's BLAS loop then reads the gates and states the kernel left, and must give the kernel's gradients."""
    rng = np.random.default_rng(2)
    T, B, I, H = 5, 8, 6, 16
    x = rng.normal(size=(T, B, I))
    dy = rng.normal(size=(T, B, 2 * H))
    per_step = B * 4 * H * H
    out = []
    for macs, factor in ((1 << 62, 1), (per_step, 8)):               # all kernels; kernel forward, BLAS backward
        monkeypatch.setattr(api, "BLAS_MIN_MACS", macs)
        monkeypatch.setattr(api, "BLAS_MIN_MACS_SMALL_BATCH", 1 << 62)
        monkeypatch.setattr(api, "LSTM_FWD_BLAS_FACTOR", factor)
        m = rnncore.LSTM(I, H, bidirectional=True, seed=4)
        assert not m._use_blas(B, backward=False) and m._use_blas(B, backward=True) == (factor == 8)
        y, (hT, cT) = m.forward(x)
        g, dx, (dh0, dc0) = m.backward(dy)
        out.append([y, hT, cT, dx, dh0, dc0] + [g[k] for k in sorted(g)])
    for a, b in zip(*out):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-13)


def test_routes_agree_at_a_size_near_the_switch(monkeypatch):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(6, 8, 16)).astype(np.float32)
    out = []
    for macs in (1 << 62, 0):
        monkeypatch.setattr(api, "BLAS_MIN_MACS", macs)
        monkeypatch.setattr(api, "BLAS_MIN_MACS_SMALL_BATCH", macs)
        m = rnncore.LSTM(16, 32, dtype="float32", bidirectional=True, seed=3)
        y, _ = m.forward(x)
        g, dx, _ = m.backward(np.ones_like(y))
        out.append((y, dx, g["weight_hh_l0_reverse"]))
    for a, b in zip(*out):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("cell", CELLS)
def test_a_second_forward_of_the_same_shape_starts_afresh(cell, route):
    """forward reuses the last forward's internal buffers when T and B match: nothing of the first call may leak
    into the second's outputs, gates or gradients, nor may the second change what the first handed out."""
    rng = np.random.default_rng(5)
    T, B, I, H = 4, 9, 6, 5
    m = make(cell, I, H, True, "float64")
    x1, x2 = rng.normal(size=(2, T, B, I))
    y1, _ = m.forward(x1)
    gates1 = {k: v.copy() for k, v in m.gates.items()}
    held, y1_copy = m.gates, y1.copy()
    y2, _ = m.forward(x2)
    dy = rng.normal(size=y2.shape)
    grads, dx, _ = m.backward(dy)
    yr, _, caches = ref.forward(cell, m.params, x2)
    gr, dxr, _, _ = ref.backward(cell, caches, dy)
    np.testing.assert_allclose(y2, yr, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(dx, dxr, rtol=1e-9, atol=1e-11)
    for k in grads:
        np.testing.assert_allclose(grads[k], gr[k], rtol=1e-9, atol=1e-10, err_msg=k)
    np.testing.assert_array_equal(y1, y1_copy)
    for k in gates1:
        np.testing.assert_array_equal(held[k], gates1[k])
    assert not np.allclose(m.gates[api.GATE_NAMES[cell][0]], gates1[api.GATE_NAMES[cell][0]])


def test_forwards_on_one_model_from_several_threads_do_not_share_buffers():
    """The kernels release the GIL, so threads may run forward on one model at once: each must get its own
    results (the gate buffers a forward reuses are taken by one caller only)."""
    import threading
    rng = np.random.default_rng(7)
    m = rnncore.LSTM(16, 32, dtype="float64", seed=2)
    xs = rng.normal(size=(8, 60, 12, 16))
    want = [m.forward(x)[0].copy() for x in xs]
    got, errors = {}, []

    def work(i):
        try:
            for _ in range(5):
                got[i] = m.forward(xs[i])[0]
                np.testing.assert_array_equal(got[i], want[i])
        except Exception as e:                           # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(xs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[0]


def test_params_are_pytorch_shaped_and_writable():
    m = rnncore.GRU(3, 4, bidirectional=True, seed=0)
    assert {k: v.shape for k, v in m.params.items()} == {
        "weight_ih_l0": (12, 3), "weight_hh_l0": (12, 4), "bias_ih_l0": (12,), "bias_hh_l0": (12,),
        "weight_ih_l0_reverse": (12, 3), "weight_hh_l0_reverse": (12, 4), "bias_ih_l0_reverse": (12,),
        "bias_hh_l0_reverse": (12,)}
    assert sum(v.size for v in m.params.values()) == rnncore.param_count("gru", 3, 4, True) == m.num_parameters
    k = 1 / np.sqrt(4)
    assert all(np.abs(v).max() <= k for v in m.params.values())
    x = np.ones((2, 1, 3))
    y1, _ = m.forward(x)
    m.params["bias_hh_l0"][...] = 0.0                                # writing into params changes the model
    y2, _ = m.forward(x)
    assert not np.allclose(y1[:, :, :4], y2[:, :, :4])
    np.testing.assert_array_equal(y1[:, :, 4:], y2[:, :, 4:])
    assert rnncore.GRU(3, 4, seed=0).params["weight_ih_l0"].tolist() == \
        rnncore.GRU(3, 4, seed=0).params["weight_ih_l0"].tolist()


@pytest.mark.parametrize("cell,I,H,want", [("rnn", 3, 4, 36), ("lstm", 10, 20, 2560), ("gru", 128, 256, 296448)])
def test_param_count(cell, I, H, want):
    assert rnncore.param_count(cell, I, H) == want
    assert rnncore.param_count(cell, I, H, bidirectional=True) == 2 * want


@pytest.mark.parametrize("cell", CELLS)
def test_save_load_roundtrip(cell, tmp_path):
    m = make(cell, 3, 5, True, "float32", seed=7)
    path = tmp_path / "m.npz"
    m.save(path)
    m2 = getattr(rnncore, cell.upper()).load(path)
    assert (m2.input_size, m2.hidden_size, m2.bidirectional, m2.dtype) == (3, 5, True, "float32")
    x = np.random.default_rng(0).normal(size=(4, 2, 3)).astype(np.float32)
    np.testing.assert_array_equal(m.forward(x)[0], m2.forward(x)[0])
    sd = m.state_dict()
    m3 = make(cell, 3, 5, True, "float32", seed=8)
    before = m3.params["weight_hh_l0"]
    m3.load_state_dict(sd)
    assert m3.params["weight_hh_l0"] is before                      # loaded in place
    np.testing.assert_array_equal(m.forward(x)[0], m3.forward(x)[0])


def test_backward_twice_gives_the_same_and_forward_state_roundtrip():
    m = rnncore.LSTM(2, 3, seed=0)
    x = np.random.default_rng(0).normal(size=(5, 2, 2))
    y, (h, c) = m.forward(x)
    g1 = m.backward(np.ones_like(y))[0]
    g2 = m.backward(np.ones_like(y))[0]
    for k in g1:
        np.testing.assert_array_equal(g1[k], g2[k])
    y_a, s_a = m.forward(x[:3])                                      # running in two chunks == one run
    y_b, _ = m.forward(x[3:], s_a)
    np.testing.assert_allclose(np.concatenate([y_a, y_b]), y, rtol=1e-13)
