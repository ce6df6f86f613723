"""Stacked layers, batch_first, variable-length batches and dropout without PyTorch: each against the core's own
one-layer, fixed-length path (itself tested against the reference and PyTorch), through every kernel build."""
import numpy as np
import pytest

import rnncore
from rnncore import reference as ref

from core_cases import CELLS, DIRECTIONS



def make(cell, I, H, **kw):
    kw.setdefault("dtype", "float64")
    return getattr(rnncore, cell.upper())(I, H, **kw)


def as_tuple(s):
    return s if isinstance(s, tuple) else (s,)


def layer_model(m, k):
    """Layer k of ``m`` as a one-layer model with the same weights."""
    one = make(m.cell, m.layer_input_size(k), m.hidden_size, bidirectional=m.bidirectional, dtype=m.dtype)
    one.load_state_dict({name.replace("_l%d" % k, "_l0"): v for name, v in m.params.items() if "_l%d" % k in name})
    return one


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("bidirectional", DIRECTIONS)
def test_stack_is_layers_one_after_another(cell, bidirectional, route, global_random_seed):
    """forward/backward of L = 3 equal three one-layer models chained by hand (eval mode: no dropout); the
    returned states hold layer k's direction d at k*D + d."""
    rng = np.random.default_rng(global_random_seed)
    T, B, I, H, L = 4, 3, 2, 5, 3
    D = 2 if bidirectional else 1
    m = make(cell, I, H, bidirectional=bidirectional, num_layers=L, dropout=0.5, seed=1).eval()
    x = rng.normal(size=(T, B, I))
    s0 = tuple(rng.normal(size=(D * L, B, H)) for _ in range(2 if cell == "lstm" else 1))
    dy = rng.normal(size=(T, B, D * H))
    y, fin = m.forward(x, s0 if cell == "lstm" else s0[0])
    grads, dx, d0 = m.backward(dy)
    ones = [layer_model(m, k) for k in range(L)]
    h, fins = x, []
    for k, one in enumerate(ones):
        part = tuple(s[k * D:(k + 1) * D] for s in s0)
        h, f = one.forward(h, part if cell == "lstm" else part[0])
        fins.append(as_tuple(f))
    np.testing.assert_allclose(y, h, rtol=1e-13, atol=1e-14)
    for j, f in enumerate(as_tuple(fin)):
        np.testing.assert_allclose(f, np.concatenate([fk[j] for fk in fins]), rtol=1e-13, atol=1e-14)
    g = dy
    for k in reversed(range(L)):
        gk, g, d0k = ones[k].backward(g)
        for name, v in gk.items():
            np.testing.assert_allclose(grads[name.replace("_l0", "_l%d" % k)], v, rtol=1e-11, atol=1e-12)
        for j, dd in enumerate(as_tuple(d0k)):
            np.testing.assert_allclose(as_tuple(d0)[j][k * D:(k + 1) * D], dd, rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(dx, g, rtol=1e-11, atol=1e-12)
    assert m.grad_h_norms_by_layer.shape == (L, T)
    np.testing.assert_allclose(m.grad_h_norms_by_layer[-1], m.grad_h_norms)
    np.testing.assert_allclose(m.grad_h_norms_by_layer[0], ones[0].grad_h_norms, rtol=1e-11)
    assert len(m.gates_by_layer) == L and m.gates_by_layer[-1] is m.gates


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("bidirectional", DIRECTIONS)
@pytest.mark.parametrize("B", [3, 9])                  # 9 rows: the LSTM forward's one-product-per-step path
def test_lengths_equal_each_sequence_alone(cell, bidirectional, B, route, global_random_seed):
    """With lengths, every output, final state and gradient equals running each sequence by itself (its first
    length steps, no padding): the reverse direction starts at each sequence's end, padding is zero and dy past
    the end is ignored. Two layers, batch_first."""
    rng = np.random.default_rng(global_random_seed)
    T, I, H, L = 6, 3, 4, 2
    D = 2 if bidirectional else 1
    lengths = list(rng.integers(1, T + 1, size=B))
    lengths[0] = T
    m = make(cell, I, H, bidirectional=bidirectional, num_layers=L, batch_first=True, seed=2)
    x = rng.normal(size=(B, T, I))
    m.forward(x)                            # the next forward reuses these gate buffers: their padding is stale
    s0 = tuple(rng.normal(size=(D * L, B, H)) for _ in range(2 if cell == "lstm" else 1))
    dy = rng.normal(size=(B, T, D * H))
    ds = tuple(rng.normal(size=(D * L, B, H)) for _ in s0)
    pack = (lambda s: s) if cell == "lstm" else (lambda s: s[0])
    y, fin = m.forward(x, pack(s0), lengths=np.array(lengths))
    gates = m.gates
    grads, dx, d0 = m.backward(dy, pack(ds))
    total = {name: np.zeros_like(v) for name, v in grads.items()}
    for b, n in enumerate(lengths):
        yb, fb = m.forward(x[b:b + 1, :n], pack(tuple(s[:, b:b + 1] for s in s0)))
        gb, dxb, d0b = m.backward(dy[b:b + 1, :n], pack(tuple(s[:, b:b + 1] for s in ds)))
        np.testing.assert_allclose(y[b, :n], yb[0], rtol=1e-12, atol=1e-13)
        assert not np.any(y[b, n:]) and not np.any(dx[b, n:])
        np.testing.assert_allclose(dx[b, :n], dxb[0], rtol=1e-11, atol=1e-12)
        for got, want in zip(as_tuple(fin), as_tuple(fb)):
            np.testing.assert_allclose(got[:, b], want[:, 0], rtol=1e-12, atol=1e-13)
        for got, want in zip(as_tuple(d0), as_tuple(d0b)):
            np.testing.assert_allclose(got[:, b], want[:, 0], rtol=1e-11, atol=1e-12)
        for name in total:
            total[name] += gb[name]
    for name in total:
        np.testing.assert_allclose(grads[name], total[name], rtol=1e-10, atol=1e-11, err_msg=name)
    assert all(not np.any(g[b, n:]) for g in gates.values() for b, n in enumerate(lengths))


@pytest.mark.parametrize("cell", CELLS)
def test_full_lengths_and_batch_first_change_nothing(cell, global_random_seed):
    """lengths all equal to T give the call without lengths, bit for bit; batch_first is the same numbers with
    the first two axes swapped (gates too)."""
    rng = np.random.default_rng(global_random_seed)
    T, B, I, H = 5, 4, 3, 6
    m = make(cell, I, H, bidirectional=True, num_layers=2, seed=4)
    mb = make(cell, I, H, bidirectional=True, num_layers=2, seed=4, batch_first=True)
    x = rng.normal(size=(T, B, I))
    dy = rng.normal(size=(T, B, 2 * H))
    y, _ = m.forward(x)
    g, dx, _ = m.backward(dy)
    y2, _ = m.forward(x, lengths=[T] * B)
    g2, dx2, _ = m.backward(dy)
    np.testing.assert_array_equal(y, y2)
    np.testing.assert_array_equal(dx, dx2)
    yb, _ = mb.forward(x.transpose(1, 0, 2))
    gb, dxb, _ = mb.backward(dy.transpose(1, 0, 2))
    np.testing.assert_array_equal(yb, y.transpose(1, 0, 2))
    np.testing.assert_array_equal(dxb, dx.transpose(1, 0, 2))
    for name in g:
        np.testing.assert_array_equal(g[name], g2[name])
        np.testing.assert_array_equal(g[name], gb[name])
    for name in m.gates:
        np.testing.assert_array_equal(mb.gates[name], m.gates[name].transpose(1, 0, 2))


def test_dropout_is_seeded_training_only_and_scaled():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 8, 3))
    m1 = make("gru", 3, 40, num_layers=3, dropout=0.3, seed=7)
    m2 = make("gru", 3, 40, num_layers=3, dropout=0.3, seed=7)
    assert m1.training
    ya = m1.forward(x)[0].copy()
    np.testing.assert_array_equal(ya, m2.forward(x)[0])             # the same seed, the same masks
    yb = m1.forward(x)[0]
    assert not np.array_equal(ya, yb)                                # a new mask each forward
    mask = m1._cache["layers"][1]["mask"]
    frac = np.mean(mask == 0)
    assert 0.27 < frac < 0.33 and np.allclose(mask[mask != 0], 1 / 0.7)
    assert m1.eval() is m1 and not m1.training
    e1, e2 = m1.forward(x)[0].copy(), m1.forward(x)[0]
    np.testing.assert_array_equal(e1, e2)                            # no dropout in eval mode
    m0 = make("gru", 3, 40, num_layers=3, dropout=0.0, seed=7)
    np.testing.assert_array_equal(e1, m0.forward(x)[0])
    assert m1.train() is m1 and m1.training


@pytest.mark.parametrize("cell", CELLS)
def test_stacked_save_load_and_state_dict_round_trip(cell, tmp_path):
    m = make(cell, 3, 4, bidirectional=True, num_layers=3, seed=5)
    assert list(m.params) == ["%s_l%d%s" % (n, k, s) for k in range(3) for s in ("", "_reverse")
                              for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    assert m.params["weight_ih_l1"].shape == (ref.GATES[cell] * 4, 8)
    assert m.num_parameters == sum(v.size for v in m.params.values()) == rnncore.param_count(cell, 3, 4, True, 3)
    m.save(tmp_path / "m.npz")
    m2 = type(m).load(tmp_path / "m.npz", batch_first=True)
    assert (m2.num_layers, m2.bidirectional, m2.batch_first) == (3, True, True)
    m3 = make(cell, 3, 4, bidirectional=True, num_layers=3, seed=6)
    m3.load_state_dict(m.state_dict())
    x = np.random.default_rng(1).normal(size=(3, 2, 3))
    y = m.forward(x)[0]
    np.testing.assert_array_equal(y, m3.forward(x)[0])
    np.testing.assert_array_equal(y, m2.forward(x.transpose(1, 0, 2))[0].transpose(1, 0, 2))
    with pytest.raises(ValueError, match="missing"):
        make(cell, 3, 4, bidirectional=True, num_layers=2).load_state_dict(
            {k: v for k, v in m.state_dict().items() if "_l2" not in k and k != "bias_hh_l1"})
