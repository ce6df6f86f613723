"""rnncore.train: losses against finite differences, optimisers against hand-computed steps and torch.optim,
clipping against torch.nn.utils.clip_grad_norm_, the numpy-free path against the numpy path (in process and in a
subprocess where numpy cannot be imported), and a network that learns the adding problem."""
import json
import math
import os
import subprocess
import sys
import time

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import rnncore
from rnncore import _buffers, tasks, train

from core_cases import SEED

try:
    import torch
except ImportError:                                   # parity with PyTorch is skipped, never failed
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed (make torch)")

CORE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "core")


PATHS = ["numpy", "python"]


def use_path(monkeypatch, name):
    """numpy: the numpy form; python: no numpy, as in Pyodide (shaped memoryviews, list arithmetic; the readout on
    the core's compiled kernels either way)."""
    monkeypatch.setattr(_buffers, "HAVE_NUMPY", name == "numpy")


@pytest.fixture(params=PATHS)
def path(request, monkeypatch):
    """Run a test on each path (numpy stays importable for the test itself)."""
    use_path(monkeypatch, request.param)
    return request.param


def arr(a):
    """Any output of rnncore.train (numpy array or shaped memoryview) -> float64 ndarray."""
    return np.array(train.to_list(a), dtype=np.float64)


# ---------------------------------------------------------------------------- models: the public API of rnncore
def make_model(cell, input_size, hidden_size, dtype="float64", seed=0):
    cls = {"rnn": rnncore.RNN, "lstm": rnncore.LSTM, "gru": rnncore.GRU}[cell]
    return cls(input_size=input_size, hidden_size=hidden_size, dtype=dtype, seed=seed)


# ------------------------------------------------------------------------------------------------------ losses
def numeric_grad(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        lp = f(x)
        x[idx] = old - eps
        lm = f(x)
        x[idx] = old
        g[idx] = (lp - lm) / (2 * eps)
    return g


@pytest.mark.parametrize("shape", [(1,), (3, 2), (4, 2, 3)])
def test_mse_matches_finite_differences(path, shape, global_random_seed):
    rng = np.random.default_rng(global_random_seed)
    pred, target = rng.normal(size=shape), rng.normal(size=shape)
    loss, dpred = train.mse_loss(pred.tolist(), target.tolist())
    assert loss == pytest.approx(np.mean((pred - target) ** 2), rel=1e-12)
    assert arr(dpred).shape == shape
    num = numeric_grad(lambda p: train.mse_loss(p.tolist(), target.tolist())[0], pred.copy())
    np.testing.assert_allclose(arr(dpred), num, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("shape", [(1, 2), (5, 3), (3, 2, 7)])
def test_cross_entropy_matches_finite_differences(path, shape, global_random_seed):
    rng = np.random.default_rng(global_random_seed)
    logits = rng.normal(size=shape) * 3
    targets = rng.integers(0, shape[-1], size=shape[:-1])
    loss, dlogits = train.softmax_cross_entropy(logits.tolist(), targets.tolist())
    z = logits.reshape(-1, shape[-1])
    expected = np.mean(np.log(np.exp(z).sum(1)) - z[np.arange(z.shape[0]), targets.reshape(-1)])
    assert loss == pytest.approx(expected, rel=1e-12)
    num = numeric_grad(lambda a: train.softmax_cross_entropy(a.tolist(), targets.tolist())[0], logits.copy())
    np.testing.assert_allclose(arr(dlogits), num, rtol=1e-6, atol=1e-9)


def test_cross_entropy_is_stable_for_huge_logits(path):
    loss, d = train.softmax_cross_entropy([[1000.0, 0.0, -1000.0], [-5000.0, 5000.0, 0.0]], [0, 2])
    assert loss == pytest.approx(5000.0 / 2)            # row 1: 0 loss; row 2: logsumexp - z = 5000
    np.testing.assert_allclose(arr(d), [[0, 0, 0], [0, 0.5, -0.5]], atol=1e-12)
    assert np.all(np.isfinite(arr(d)))


def test_cross_entropy_uniform_logits_give_log_vocab(path):
    loss, _ = train.softmax_cross_entropy([[0.0] * 7] * 3, [0, 3, 6])
    assert loss == pytest.approx(math.log(7), rel=1e-14)


@pytest.mark.parametrize("bad", [[0, 3], [-1, 0], [0.5, 1]])
def test_cross_entropy_rejects_bad_targets(path, bad):
    with pytest.raises(ValueError, match="targets"):
        train.softmax_cross_entropy([[0.0, 1.0, 2.0]] * 2, bad)
    with pytest.raises(ValueError, match="logits"):
        train.softmax_cross_entropy([], [])


def test_mse_rejects_size_mismatch_and_empty(path):
    with pytest.raises(ValueError, match="target"):
        train.mse_loss([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="empty"):
        train.mse_loss([], [])


@needs_torch
def test_losses_match_torch(global_random_seed):
    rng = np.random.default_rng(global_random_seed)
    z, t = rng.normal(size=(6, 5)) * 4, rng.integers(0, 5, size=6)
    zt = torch.tensor(z, requires_grad=True)
    lt = torch.nn.functional.cross_entropy(zt, torch.tensor(t))
    lt.backward()
    loss, d = train.softmax_cross_entropy(z, t)
    assert loss == pytest.approx(lt.item(), rel=1e-13)
    np.testing.assert_allclose(arr(d), zt.grad.numpy(), rtol=1e-12, atol=1e-15)
    p, y = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    pt = torch.tensor(p, requires_grad=True)
    lt = torch.nn.functional.mse_loss(pt, torch.tensor(y))
    lt.backward()
    loss, d = train.mse_loss(p, y)
    assert loss == pytest.approx(lt.item(), rel=1e-13)
    np.testing.assert_allclose(arr(d), pt.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_softmax_temperature(path):
    p = arr(train.softmax([[1.0, 2.0, 3.0]], temperature=0.5))
    e = np.exp(np.array([1.0, 2.0, 3.0]) / 0.5)
    np.testing.assert_allclose(p[0], e / e.sum(), rtol=1e-14)
    with pytest.raises(ValueError, match="temperature"):
        train.softmax([1.0, 2.0], temperature=0)


shapes = st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple)


@settings(max_examples=40, deadline=None)
@given(a=shapes, b=shapes, path_name=st.sampled_from(["numpy", "python"]))
def test_losses_reject_mismatched_shapes(a, b, path_name):
    with pytest.MonkeyPatch.context() as mp:
        use_path(mp, path_name)
        pred, target = np.zeros(a).tolist(), np.zeros(b).tolist()
        if math.prod(a) != math.prod(b):
            with pytest.raises(ValueError, match="target"):
                train.mse_loss(pred, target)
        else:
            assert train.mse_loss(pred, target)[0] == 0.0
        rows = math.prod(a[:-1])
        labels = np.zeros(b, dtype=int).tolist()
        if math.prod(b) != rows:
            with pytest.raises(ValueError, match="targets"):
                train.softmax_cross_entropy(pred, labels)


@settings(max_examples=30, deadline=None)
@given(value=st.sampled_from([0.0, -1.0, float("nan"), float("inf")]),
       field=st.sampled_from(["lr", "max_norm", "temperature"]))
def test_bad_hyperparameters_raise_value_error(value, field):
    p = {"w": np.zeros(2)}
    with pytest.raises(ValueError, match=field):
        if field == "lr":
            train.Adam(p, lr=value)
        elif field == "max_norm":
            train.SGD(p, max_norm=value)
        else:
            train.softmax([1.0, 2.0], temperature=value)


# ----------------------------------------------------------------------------------------------------- readout
@pytest.mark.parametrize("lead", [(1,), (4,), (3, 2)])
def test_linear_forward_backward(path, lead, global_random_seed):
    rng = np.random.default_rng(global_random_seed)
    H, O = 5, 3
    lin = train.Linear(H, O, seed=global_random_seed)
    W, b = arr(lin.params["weight"]), arr(lin.params["bias"])
    assert W.shape == (O, H) and b.shape == (O,)
    assert np.all(np.abs(W) <= 1 / math.sqrt(H)) and np.all(np.abs(b) <= 1 / math.sqrt(H))
    h, w_out = rng.normal(size=lead + (H,)), rng.normal(size=lead + (O,))
    out = lin.forward(h.tolist())
    np.testing.assert_allclose(arr(out), h @ W.T + b, rtol=1e-13, atol=1e-14)
    grads, dh = lin.backward(w_out.tolist())                     # L = sum(out * w_out)
    np.testing.assert_allclose(arr(dh), w_out @ W, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(arr(grads["weight"]), w_out.reshape(-1, O).T @ h.reshape(-1, H), rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(arr(grads["bias"]), w_out.reshape(-1, O).sum(0), rtol=1e-13, atol=1e-14)


def test_linear_float32(path, global_random_seed):
    rng = np.random.default_rng(global_random_seed)
    lin = train.Linear(6, 4, dtype="float32", seed=global_random_seed)
    W, b = arr(lin.params["weight"]), arr(lin.params["bias"])
    h = rng.normal(size=(3, 2, 6)).astype(np.float32)
    out = lin.forward(h)
    assert train.dtype_of(out) == "float32"
    np.testing.assert_allclose(arr(out), h @ W.T + b, rtol=1e-5, atol=1e-6)
    grads, dh = lin.backward(np.ones((3, 2, 4), dtype=np.float32))
    assert train.dtype_of(dh) == "float32" and train.dtype_of(grads["weight"]) == "float32"
    np.testing.assert_allclose(arr(dh), np.ones((3, 2, 4)) @ W, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(arr(grads["weight"]), np.ones((4, 6)) @ h.reshape(6, 6) * 1.0, rtol=1e-5, atol=1e-5)


def test_linear_seeded_identically_on_both_paths(monkeypatch):
    use_path(monkeypatch, "numpy")
    a = train.Linear(4, 2, dtype="float32", seed=7)
    use_path(monkeypatch, "python")
    b = train.Linear(4, 2, dtype="float32", seed=7)
    assert isinstance(b.params["weight"], memoryview) and b.params["weight"].format == "f"
    for k in a.params:
        assert train.to_list(a.params[k]) == train.to_list(b.params[k])


def test_linear_bad_input(path):
    lin = train.Linear(3, 2)
    with pytest.raises(ValueError, match="h must have shape"):
        lin.forward([[1.0, 2.0]])
    with pytest.raises(ValueError, match="before forward"):
        train.Linear(3, 2).backward([[1.0, 2.0]])
    with pytest.raises(ValueError, match="in_features"):
        train.Linear(0, 2)
    with pytest.raises(ValueError, match="dtype"):
        train.Linear(2, 2, dtype="int8")


# ------------------------------------------------------------------------------------------------- optimisers
def test_adam_matches_hand_computed_steps(path):
    p = np.array([1.0])
    opt = train.Adam({"p": p}, lr=0.1)
    b1, b2, eps, m, v, want = 0.9, 0.999, 1e-8, 0.0, 0.0, 1.0
    for k, g in enumerate([0.5, -1.0, 2.0], start=1):         # the textbook form: bias-corrected m and v
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        want -= 0.1 * (m / (1 - b1 ** k)) / (math.sqrt(v / (1 - b2 ** k)) + eps)
        opt.step({"p": [g]})
        assert p[0] == pytest.approx(want, rel=1e-12)
    assert opt.steps == 3


def test_sgd_momentum_matches_hand_computed_steps(path):
    p = np.array([1.0, 2.0])
    opt = train.SGD({"p": p}, lr=0.1, momentum=0.9)
    opt.step({"p": [1.0, -1.0]})                               # buf = g
    np.testing.assert_allclose(p, [0.9, 2.1], rtol=1e-15)
    opt.step({"p": [1.0, -1.0]})                               # buf = 0.9 * 1 + 1 = 1.9
    np.testing.assert_allclose(p, [0.71, 2.29], rtol=1e-15)
    q = np.array([1.0])
    train.SGD({"q": q}, lr=0.1, momentum=0.9, nesterov=True).step({"q": [1.0]})   # g + mu * buf = 1.9
    assert q[0] == pytest.approx(0.81, rel=1e-15)
    r = np.array([1.0])
    train.SGD({"r": r}, lr=0.5).step({"r": [0.25]})
    assert r[0] == 0.875


def test_clip_grad_norm_hand_computed(path):
    g = {"a": np.array([3.0]), "b": np.array([[4.0]])}
    total = train.clip_grad_norm(g, 1.0)
    assert total == 5.0
    coef = 1.0 / (5.0 + 1e-6)
    assert g["a"][0] == pytest.approx(3 * coef, rel=1e-15) and g["b"][0, 0] == pytest.approx(4 * coef, rel=1e-15)
    small = {"a": np.array([0.3, 0.4])}
    assert train.clip_grad_norm(small, 1.0) == pytest.approx(0.5)
    np.testing.assert_array_equal(small["a"], [0.3, 0.4])      # below the threshold: untouched
    assert train.grad_norm({"a": [3.0, -7.0]}, norm_type=math.inf) == 7.0
    with pytest.raises(ValueError, match="max_norm"):
        train.clip_grad_norm(g, 0.0)


def test_clip_grad_norm_in_place_on_memoryviews(path):
    from array import array
    g = memoryview(array("d", [3.0, 0.0, 0.0, 4.0])).cast("B").cast("d", (2, 2))
    h = memoryview(array("f", [0.0, 12.0]))
    total = train.clip_grad_norm({"g": g, "h": h}, 6.5)
    assert total == 13.0
    coef = 6.5 / (13.0 + 1e-6)
    np.testing.assert_allclose(g.tolist(), [[3 * coef, 0], [0, 4 * coef]], rtol=1e-15)
    assert h.tolist()[1] == pytest.approx(12 * coef, rel=1e-7)


def test_optimizer_clipping_equals_clip_then_step(path, global_random_seed):
    rng = np.random.default_rng(global_random_seed)
    p0 = {"w": rng.normal(size=(3, 4)), "b": rng.normal(size=4)}
    g = {"w": rng.normal(size=(3, 4)) * 10, "b": rng.normal(size=4) * 10}
    pa = {k: v.copy() for k, v in p0.items()}
    norm = train.Adam(pa, lr=0.01, max_norm=0.5).step(g)
    pb = {k: v.copy() for k, v in p0.items()}
    gb = {k: v.copy() for k, v in g.items()}
    assert train.clip_grad_norm(gb, 0.5) == pytest.approx(norm, rel=1e-14)
    train.Adam(pb, lr=0.01).step(gb)
    for k in p0:
        np.testing.assert_allclose(pa[k], pb[k], rtol=1e-14)
    np.testing.assert_array_equal(g["w"], g["w"])              # the optimiser did not touch the caller's grads
    assert train.grad_norm(g) == pytest.approx(norm, rel=1e-14)


def _torch_run(opt_name, kwargs, params, grad_seq, max_norm=None):
    tp = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in params.items()}
    cls = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}[opt_name]
    opt = cls(list(tp.values()), **kwargs)
    out = []
    for grads in grad_seq:
        for k, t in tp.items():
            t.grad = torch.tensor(grads[k].copy())
        if max_norm is not None:
            torch.nn.utils.clip_grad_norm_(list(tp.values()), max_norm)
        opt.step()
        out.append({k: t.detach().numpy().copy() for k, t in tp.items()})
    return out


@needs_torch
@pytest.mark.parametrize("opt_name,kwargs", [
    ("adam", {"lr": 0.01}),
    ("adam", {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1}),
    ("sgd", {"lr": 0.1}),
    ("sgd", {"lr": 0.05, "momentum": 0.9, "dampening": 0.2, "weight_decay": 0.01}),
    ("sgd", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
])
@pytest.mark.parametrize("max_norm", [None, 0.3])
def test_optimizers_match_torch(path, opt_name, kwargs, max_norm, global_random_seed):
    rng = np.random.default_rng(global_random_seed)
    params = {"weight": rng.normal(size=(4, 3)), "bias": rng.normal(size=4)}
    grad_seq = [{k: rng.normal(size=v.shape) for k, v in params.items()} for _ in range(6)]
    want = _torch_run(opt_name, kwargs, params, grad_seq, max_norm)
    ours = {k: v.copy() for k, v in params.items()}
    cls = {"adam": train.Adam, "sgd": train.SGD}[opt_name]
    opt = cls(ours, max_norm=max_norm, **kwargs)
    for grads, expected in zip(grad_seq, want):
        opt.step(grads)
        for k in ours:
            np.testing.assert_allclose(ours[k], expected[k], rtol=1e-12, atol=1e-14)


@needs_torch
@pytest.mark.parametrize("norm_type", [2.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.1, 1.0, 100.0])
def test_clip_grad_norm_matches_torch(path, norm_type, max_norm, global_random_seed):
    rng = np.random.default_rng(global_random_seed)
    grads = {"a": rng.normal(size=(5, 3)), "b": rng.normal(size=7)}
    tg = [torch.tensor(v.copy()) for v in grads.values()]
    ts = [torch.zeros_like(t, requires_grad=True) for t in tg]
    for t, g in zip(ts, tg):
        t.grad = g
    want = torch.nn.utils.clip_grad_norm_(ts, max_norm, norm_type=norm_type).item()
    got = train.clip_grad_norm(grads, max_norm, norm_type=norm_type)
    assert got == pytest.approx(want, rel=1e-13)
    for g, t in zip(grads.values(), ts):
        np.testing.assert_allclose(g, t.grad.numpy(), rtol=1e-13)


def test_float32_parameters_stay_float32(path):
    p = np.array([1.0, -2.0], dtype=np.float32)
    opt = train.Adam({"p": p}, lr=0.1)
    opt.step({"p": np.array([0.5, 0.5], dtype=np.float32)})
    assert p.dtype == np.float32
    np.testing.assert_allclose(p, [0.9, -2.1], rtol=1e-6)


def test_optimizer_bad_input(path):
    p = {"w": np.zeros(3)}
    with pytest.raises(ValueError, match="lr"):
        train.Adam(p, lr=0)
    with pytest.raises(ValueError, match="betas"):
        train.Adam(p, betas=(1.0, 0.9))
    with pytest.raises(ValueError, match="momentum"):
        train.SGD(p, momentum=-0.5)
    with pytest.raises(ValueError, match="eps"):
        train.Adam(p, eps=float("nan"))
    with pytest.raises(ValueError, match="Nesterov"):
        train.SGD(p, momentum=0, nesterov=True)
    with pytest.raises(ValueError, match="does not know"):
        train.SGD(p).step({"v": [1.0]})
    with pytest.raises(ValueError, match="grad 'w'"):
        train.SGD(p).step({"w": [1.0, 2.0]})
    with pytest.raises(TypeError, match="dict"):
        train.SGD([np.zeros(3)])
    with pytest.raises(TypeError, match="float32 or float64"):
        train.SGD({"w": np.zeros(3, dtype=np.int64)})


# -------------------------------------------------------------------------------------------------- the loop
@pytest.mark.parametrize("task", [tasks.AddingProblem(8, seed=1), tasks.RecallTask(3, 3, seed=1),
                                  tasks.NoisySine(6, seed=1), tasks.CharText("abcab cabba cab", 5, seed=1)],
                         ids=lambda t: t.name)
def test_python_path_trains_like_numpy_path(monkeypatch, task):
    """Same seeds, same steps: the plain-Python path gives the numpy path's losses and parameters."""
    runs = []
    for name in PATHS:
        use_path(monkeypatch, name)
        task.reset()
        model = make_model("lstm", task.input_size, 4, seed=3)
        tr = train.Trainer(model, task, batch_size=3, lr=0.02, max_norm=0.5, seed=2)
        losses = tr.run(4)
        runs.append((losses, {k: arr(v) for k, v in {**model.params, **tr.readout.params}.items()}))
    (la, pa) = runs[0]
    for lb, pb in runs[1:]:
        np.testing.assert_allclose(la, lb, rtol=1e-12)
        for k in pa:
            np.testing.assert_allclose(pa[k], pb[k], rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_float32_models_train_on_every_path(monkeypatch, cell):
    for name in PATHS:
        use_path(monkeypatch, name)
        task = tasks.NoisySine(length=10, seed=0)
        model = make_model(cell, 1, 8, dtype="float32", seed=1)
        tr = train.Trainer(model, task, batch_size=8, lr=0.02)
        assert tr.readout.dtype == "float32"
        losses = tr.run(60)
        assert all(math.isfinite(v) for v in losses)
        assert np.mean(losses[-10:]) < 0.5 * np.mean(losses[:5]), (name, losses[:5], losses[-10:])
        assert train.dtype_of(model.params["weight_hh_l0"]) == "float32"


def test_fit_bidirectional_model(monkeypatch):
    for name in PATHS:
        use_path(monkeypatch, name)
        model = rnncore.GRU(input_size=1, hidden_size=3, bidirectional=True, seed=0)
        task = tasks.NoisySine(length=6, seed=0)
        losses = train.fit(model, task, 30, batch_size=4, lr=0.05)
        assert len(losses) == 30 and np.mean(losses[-5:]) < np.mean(losses[:5])
        recall = tasks.RecallTask(delay=2, n_symbols=3, seed=0)
        tr = train.Trainer(rnncore.LSTM(input_size=4, hidden_size=2, bidirectional=True, seed=0), recall)
        assert tr.readout.in_features == 4 and math.isfinite(tr.step())


def test_trainer_records_losses_and_norms():
    task = tasks.AddingProblem(5, seed=0)
    tr = train.Trainer(make_model("gru", 2, 3), task, optimizer="sgd", lr=0.1, momentum=0.5, batch_size=2)
    assert len(tr.run(3)) == 3 and len(tr.losses) == 3 and len(tr.grad_norms) == 3
    assert all(math.isfinite(v) and v > 0 for v in tr.losses + tr.grad_norms)
    x, _ = task.batch(4)
    assert arr(tr.predict(x)).shape == (4, 1)
    with pytest.raises(ValueError, match="optimizer"):
        train.Trainer(make_model("gru", 2, 3), task, optimizer="rmsprop")
    with pytest.raises(ValueError, match="loss"):
        train.train_step(tr.model, tr.readout, tr.optimizer, x, [[0.0]] * 4, loss="hinge")


# The same lines run natively (numpy) and in a subprocess where importing numpy fails.
SCENARIO = r'''
import rnncore
from rnncore import _buffers, tasks, train
L = train.to_list
out = {"numpy": _buffers.HAVE_NUMPY}
for t in (tasks.AddingProblem(6, seed=3), tasks.RecallTask(2, 3, seed=3), tasks.NoisySine(4, seed=3),
          tasks.CharText("to be or not to be", 4, seed=3)):
    x, y = t.batch(2)
    out[t.name] = [L(x), L(y)]
lin = train.Linear(4, 3, seed=1)
h = [[0.1 * i - 0.2 * j for j in range(4)] for i in range(5)]
o = lin.forward(h)
g, dh = lin.backward(o)
out["linear"] = [L(o), L(g["weight"]), L(g["bias"]), L(dh)]
out["mse"] = train.mse_loss(o, [[0.5] * 3] * 5)[0]
out["xent"] = train.softmax_cross_entropy(o, [0, 1, 2, 0, 1])[0]
opt = train.Adam(lin.params, lr=0.1, max_norm=0.1)
for _ in range(3):
    o = lin.forward(h)
    g, _ = lin.backward(train.mse_loss(o, [[0.5] * 3] * 5)[1])
    opt.step(g)
out["adam"] = [L(lin.params["weight"]), L(lin.params["bias"])]
for cell in ("LSTM", "GRU"):
    m = getattr(rnncore, cell)(input_size=2, hidden_size=4, seed=5)
    tr = train.Trainer(m, tasks.AddingProblem(7, seed=4), batch_size=3, lr=0.02)
    out[cell] = [tr.run(3), {k: L(v) for k, v in m.params.items()}]
m = rnncore.GRU(input_size=1, hidden_size=5, dtype="float32", seed=6)
tr = train.Trainer(m, tasks.NoisySine(8, seed=6), batch_size=3, lr=0.02)
out["float32"] = [tr.run(3), {k: L(v) for k, v in m.params.items()}]
text = tasks.CharText("abracadabra, a cadabra bar", length=6, seed=1)
m = rnncore.LSTM(input_size=text.input_size, hidden_size=6, seed=2)
tr = train.Trainer(m, text, batch_size=2, lr=0.05)
out["text_losses"] = tr.run(3)
out["sample"] = text.sample(m, tr.readout, prime="abra", length=12, temperature=0.7, seed=3)
'''


def _close(a, b, path="$"):
    if isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            _close(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), path
        try:
            a_, b_ = np.array(a, dtype=float), np.array(b, dtype=float)
        except ValueError:                                     # ragged: [x, target] pairs and the like
            for i, (u, v) in enumerate(zip(a, b)):
                _close(u, v, f"{path}[{i}]")
            return
        np.testing.assert_allclose(a_, b_, rtol=1e-11, atol=1e-13, err_msg=path)
    else:
        assert a == pytest.approx(b, rel=1e-12), path


def test_numpy_free_subprocess_matches_numpy_path(tmp_path):
    """Block numpy the way Pyodide does (a sitecustomize making `import numpy` fail) and compare results."""
    (tmp_path / "sitecustomize.py").write_text("import sys\nsys.modules['numpy'] = None\n")
    code = SCENARIO + "\nimport json\nprint(json.dumps(out))\n"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), CORE, os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    free = json.loads(proc.stdout)
    assert free.pop("numpy") is False
    ns = {}
    exec(SCENARIO, ns)
    native = json.loads(json.dumps(ns["out"]))
    assert native.pop("numpy") is True
    for name in ("adding", "recall", "sine", "text"):
        assert free[name] == native[name], name                # the data: bit-identical
    (fl, fp), (nl, npar) = free.pop("float32"), native.pop("float32")   # float32: kernels vs BLAS rounding
    np.testing.assert_allclose(fl, nl, rtol=1e-5)
    for k in npar:
        np.testing.assert_allclose(fp[k], npar[k], rtol=1e-4, atol=1e-6, err_msg=k)
    _close(free, native)


# ---------------------------------------------------------------------------------------------- it learns
@pytest.mark.parametrize("cell,steps", [("lstm", 800), ("gru", 500)])
def test_learns_the_adding_problem(cell, steps):
    """T = 20, H = 16, Adam: within a few hundred steps the loss falls far below the trivial baseline (1/6).

    A model that ignores the markers can at best predict E[sum | all values], an MSE of ~0.16 at T = 20; reaching
    a tenth of the baseline needs the network to pick the two marked values out of twenty. (Measured over seeds
    0-9 on the compiled core: the 50-step mean crosses a tenth of the baseline after <= 600 steps for LSTM, <= 220 for
    GRU.)
    """
    task = tasks.AddingProblem(length=20, seed=SEED)
    model = make_model(cell, 2, 16, seed=SEED)
    start = time.perf_counter()
    trainer = train.Trainer(model, task, lr=0.01, batch_size=32, max_norm=1.0, seed=SEED)
    losses = trainer.run(steps)
    elapsed = time.perf_counter() - start
    first, last = np.mean(losses[:20]), np.mean(losses[-50:])
    assert first > 0.5 * task.baseline                           # it starts at (or above) the baseline
    assert last < 0.1 * task.baseline, f"{cell}: mean loss of the last 50 steps {last:.4f}"
    x, target = tasks.AddingProblem(length=20, seed=SEED + 1000).batch(256)   # held-out sequences
    held_out = np.mean((arr(trainer.predict(x)) - arr(target)) ** 2)
    assert held_out < 0.1 * task.baseline, f"{cell}: held-out MSE {held_out:.4f}"
    assert elapsed < 30
