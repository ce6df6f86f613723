"""rnncore.attention (additive attention) and rnncore.seq2seq (encoder-decoder with teacher forcing):
gradients against central finite differences in float64, the numpy-free path against the numpy path, PyTorch
autograd where it is installed (skipped where not), bad input, and a model that learns a small copy task."""
import math

import numpy as np
import pytest

from rnncore import _buffers, train
from rnncore.attention import AdditiveAttention
from rnncore.seq2seq import Seq2Seq, exact_match

from core_cases import SEED

SHAPES = [(1, 1, 1, 1, 1, 1), (3, 2, 4, 5, 3, 6), (2, 3, 1, 7, 4, 2)]     # T, B, S, Hq, Hk, A


def arr(a):
    return np.array(train.to_list(a), dtype=np.float64)


@pytest.fixture(params=["numpy", "python"])
def path(request, monkeypatch):
    """Run a test with numpy (native) and without (as in Pyodide)."""
    monkeypatch.setattr(_buffers, "HAVE_NUMPY", request.param == "numpy")
    return request.param


def inputs(T, B, S, Hq, Hk, seed=SEED):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(T, B, Hq)), rng.normal(size=(S, B, Hk)), rng.normal(size=(T, B, Hk))


@pytest.mark.parametrize("T,B,S,Hq,Hk,A", SHAPES)
def test_weights_are_a_softmax_and_context_their_weighted_sum(path, T, B, S, Hq, Hk, A):
    att = AdditiveAttention(Hq, Hk, A, seed=SEED)
    q, k, _ = inputs(T, B, S, Hq, Hk)
    c, w = att.forward(q.tolist(), k.tolist())
    c, w = arr(c), arr(w)
    assert w.shape == (T, B, S) and c.shape == (T, B, Hk)
    np.testing.assert_allclose(w.sum(axis=-1), 1.0, rtol=1e-12)
    assert (w > 0).all()
    np.testing.assert_allclose(c, np.einsum("tbs,sbh->tbh", w, k), rtol=1e-10, atol=1e-12)
    # the equations written out once more, for one (t, b): (1)-(6)
    p = {n: arr(v) for n, v in att.params.items()}
    e = np.tanh(p["weight_q"] @ q[0, 0] + (k[:, 0] @ p["weight_k"].T + p["bias"])) @ p["v"]
    np.testing.assert_allclose(w[0, 0], np.exp(e - e.max()) / np.exp(e - e.max()).sum(), rtol=1e-10)


@pytest.mark.parametrize("T,B,S,Hq,Hk,A", SHAPES)
def test_backward_matches_finite_differences(path, T, B, S, Hq, Hk, A):
    att = AdditiveAttention(Hq, Hk, A, seed=SEED)
    q, k, dc = inputs(T, B, S, Hq, Hk)
    dw = np.random.default_rng(SEED + 1).normal(size=(T, B, S))

    def loss():
        c, w = att.forward(q.tolist(), k.tolist())
        return float((arr(c) * dc).sum() + (arr(w) * dw).sum())

    loss()
    grads, dq, dk = att.backward(dc.tolist(), dw.tolist())
    eps = 1e-6
    for name, value in att.params.items():
        flat = _buffers.writable_flat(value)
        num = []
        for i in range(len(flat)):
            orig = flat[i]
            flat[i] = orig + eps
            up = loss()
            flat[i] = orig - eps
            down = loss()
            flat[i] = orig
            num.append((up - down) / (2 * eps))
        np.testing.assert_allclose(arr(grads[name]).ravel(), num, rtol=1e-5, atol=1e-8, err_msg=name)
    for x, analytic in ((q, dq), (k, dk)):
        num = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            orig = x[idx]
            x[idx] = orig + eps
            up = loss()
            x[idx] = orig - eps
            down = loss()
            x[idx] = orig
            num[idx] = (up - down) / (2 * eps)
        np.testing.assert_allclose(arr(analytic), num, rtol=1e-5, atol=1e-8)


def _flat(a):
    return _buffers.to_flat(a)[0]


def test_without_numpy_forward_and_backward_match_finite_differences(monkeypatch):
    """The layer as the browser runs it (no numpy; in Pyodide, the wasm wheel's): plain lists in, memoryviews out,
    the weights a softmax, the context their weighted sum, and every gradient equal to central differences."""
    import random
    monkeypatch.setattr(_buffers, "HAVE_NUMPY", False)
    T, B, S, Hq, Hk, A = 2, 2, 3, 3, 2, 2
    rng = random.Random(SEED)

    def nested(*shape):
        if len(shape) == 1:
            return [rng.gauss(0.0, 1.0) for _ in range(shape[0])]
        return [nested(*shape[1:]) for _ in range(shape[0])]

    q, k, dc, dw = nested(T, B, Hq), nested(S, B, Hk), nested(T, B, Hk), nested(T, B, S)
    att = AdditiveAttention(Hq, Hk, A, seed=SEED)
    c, w = att.forward(q, k)
    assert isinstance(c, memoryview) and isinstance(w, memoryview)
    c, w = c.tolist(), w.tolist()
    for t in range(T):
        for b in range(B):
            assert math.isclose(sum(w[t][b]), 1.0, rel_tol=1e-12) and min(w[t][b]) > 0
            for i in range(Hk):                                                     # (6) c_t = sum_j a_tj h_j
                assert math.isclose(c[t][b][i], sum(w[t][b][j] * k[j][b][i] for j in range(S)), rel_tol=1e-12)

    def loss():
        c, w = att.forward(q, k)
        return sum(x * y for x, y in zip(_flat(c), _flat(dc))) + sum(x * y for x, y in zip(_flat(w), _flat(dw)))

    loss()
    grads, dq, dk = att.backward(dc, dw)
    eps = 1e-6

    def central(get, put):
        orig = get()
        put(orig + eps)
        up = loss()
        put(orig - eps)
        down = loss()
        put(orig)
        return (up - down) / (2 * eps)

    for name, value in att.params.items():
        flat, analytic = _buffers.writable_flat(value), _flat(grads[name])
        for i in range(len(flat)):
            num = central(lambda: flat[i], lambda v: flat.__setitem__(i, v))
            assert math.isclose(analytic[i], num, rel_tol=1e-5, abs_tol=1e-8), (name, i)
    for x, analytic in ((q, _flat(dq)), (k, _flat(dk))):
        rows = [(a, b, i) for a in range(len(x)) for b in range(B) for i in range(len(x[0][0]))]
        for n, (a, b, i) in enumerate(rows):
            num = central(lambda: x[a][b][i], lambda v: x[a][b].__setitem__(i, v))
            assert math.isclose(analytic[n], num, rel_tol=1e-5, abs_tol=1e-8), (a, b, i)


def test_numpy_free_path_matches_numpy_path(monkeypatch):
    T, B, S, Hq, Hk, A = 4, 3, 5, 6, 4, 3
    q, k, dc = inputs(T, B, S, Hq, Hk)
    out = {}
    for have in (True, False):
        monkeypatch.setattr(_buffers, "HAVE_NUMPY", have)
        att = AdditiveAttention(Hq, Hk, A, seed=SEED)
        c, w = att.forward(q.tolist(), k.tolist())
        grads, dq, dk = att.backward(dc.tolist())
        out[have] = [arr(c), arr(w), arr(dq), arr(dk)] + [arr(grads[n]) for n in sorted(grads)]
        if not have:
            assert isinstance(c, memoryview) and isinstance(grads["v"], memoryview)
    for a, b in zip(out[True], out[False]):
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-12)


def test_matches_pytorch_autograd():
    torch = pytest.importorskip("torch")
    T, B, S, Hq, Hk, A = 3, 2, 5, 4, 6, 3
    att = AdditiveAttention(Hq, Hk, A, seed=SEED)
    q, k, dc = inputs(T, B, S, Hq, Hk)
    p = {n: torch.tensor(arr(v), requires_grad=True) for n, v in att.params.items()}
    qt, kt = torch.tensor(q, requires_grad=True), torch.tensor(k, requires_grad=True)
    score_q = torch.nn.functional.linear(qt, p["weight_q"])                       # (T, B, A)
    score_k = torch.nn.functional.linear(kt, p["weight_k"], p["bias"])            # (S, B, A)
    e = torch.tanh(score_q[:, None] + score_k[None]) @ p["v"]                     # (T, S, B)
    w = torch.softmax(e, dim=1)
    c = torch.einsum("tsb,sbh->tbh", w, kt)
    (c * torch.tensor(dc)).sum().backward()
    got_c, got_w = att.forward(q, k)
    grads, dq, dk = att.backward(dc)
    np.testing.assert_allclose(arr(got_c), c.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(arr(got_w), w.detach().numpy().transpose(0, 2, 1), rtol=1e-10)
    np.testing.assert_allclose(arr(dq), qt.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(arr(dk), kt.grad.numpy(), rtol=1e-9, atol=1e-12)
    for n, t in p.items():
        np.testing.assert_allclose(arr(grads[n]), t.grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=n)


def zeros(*shape):
    """Nested lists of zeros: bad input the browser could send (no numpy needed, so Pyodide runs these too)."""
    return [zeros(*shape[1:]) for _ in range(shape[0])] if len(shape) > 1 else [0.0] * shape[0]


@pytest.mark.parametrize("query,keys,message", [
    ((2, 1, 5), (3, 1, 4), "query must have shape"),
    ((2, 1, 3), (3, 1, 5), "keys must have shape"),
    ((2, 2, 3), (3, 1, 4), "same batch size"),
    ((2, 3), (3, 1, 4), "query must have shape"),
])
def test_bad_input_names_the_argument(query, keys, message):
    att = AdditiveAttention(3, 4, 2)
    with pytest.raises(ValueError, match=message):
        att.forward(zeros(*query), zeros(*keys))
    with pytest.raises(ValueError, match="query_size"):
        AdditiveAttention(0, 4, 2)
    with pytest.raises(ValueError, match="before forward"):
        AdditiveAttention(3, 4, 2).backward(zeros(1, 1, 4))


# ---------------------------------------------------------------------------------------------- seq2seq
def tiny_batch(model, pairs):
    src = [list(col) for col in zip(*[model.encode_text(s) for s, _ in pairs])]
    tgt = [list(col) for col in zip(*[[model.out_index[c] for c in t] for _, t in pairs])]
    return src, tgt


def test_seq2seq_gradients_match_finite_differences(path):
    model = Seq2Seq("abc", "xy", enc_hidden=2, dec_hidden=3, attention_size=2, seed=SEED)
    src, tgt = tiny_batch(model, [("abca", "xyx"), ("ccba", "yyx")])
    loss, grads = model.loss_and_grads(src, tgt)
    eps = 1e-6
    for params, g in zip(model.parameters(), grads):
        for name, value in params.items():
            flat = _buffers.writable_flat(value)
            gflat = _flat(g[name])
            for i in range(0, len(flat), max(1, len(flat) // 7)):      # a spread of entries of every tensor
                orig = flat[i]
                flat[i] = orig + eps
                up = model.loss_and_grads(src, tgt)[0]
                flat[i] = orig - eps
                down = model.loss_and_grads(src, tgt)[0]
                flat[i] = orig
                assert math.isclose(gflat[i], (up - down) / (2 * eps), rel_tol=1e-4, abs_tol=1e-8), (name, i)


def test_seq2seq_learns_to_reverse_short_strings():
    """Teacher forcing + attention: reversing 4 letters needs each output step to look at another input step."""
    import random
    rng = random.Random(SEED)
    model = Seq2Seq("abcd", "abcd", enc_hidden=12, dec_hidden=16, attention_size=12, seed=SEED)
    opt = train.Adam(model.parameters(), lr=0.02, max_norm=1.0)
    for _ in range(300):
        pairs = ["".join(rng.choice("abcd") for _ in range(4)) for _ in range(32)]
        model.train_step(opt, *tiny_batch(model, [(p, p[::-1]) for p in pairs]))
    tests = ["abcd", "dcba", "aabb", "cdca", "bbbd", "dacb"]
    assert exact_match(model, [(t, t[::-1]) for t in tests], stop_len=4) >= 5 / 6
    out, rows = model.translate("abcd", stop_len=4)
    assert len(rows) == 4 and all(len(r) == 4 and math.isclose(sum(r), 1.0) for r in rows)
    # the first output character (the last input's) is read mostly from the last input position
    assert int(np.argmax(rows[0])) == 3


def test_seq2seq_state_round_trips_and_rejects_unknown_characters():
    model = Seq2Seq("abc", "xy", enc_hidden=3, dec_hidden=4, attention_size=2, seed=SEED)
    again = Seq2Seq.from_state(model.state(digits=17))
    assert again.translate("abca", stop_len=3) == model.translate("abca", stop_len=3)
    with pytest.raises(ValueError, match="does not know the character"):
        model.translate("abz")
    with pytest.raises(ValueError, match="empty"):
        model.translate("")
    with pytest.raises(ValueError, match="out_vocab"):
        Seq2Seq("abc", "x^")


# ------------------------------------------------------------------------------------ the generated quiz item
@pytest.mark.parametrize("seed", [0, 1, 7, 123456])
def test_generated_attention_item_follows_the_equations(path, seed):
    """rnncore.demos' `attention-a1` item (the translation lesson's quiz): its scores and weights are the layer's,
    and they are the lesson's equations e_j = v tanh(w_q s + w_k h_j + b), a = softmax(e), written out here."""
    from rnncore import demos
    worked = demos.quiz_worked("attention-a1", seed)
    q = worked["numbers"]
    e = [q["v"] * math.tanh(q["w_q"] * q["s"] + q["w_k"] * h + q["b"]) for h in q["h"]]
    a = [math.exp(x) / sum(math.exp(y) for y in e) for x in e]
    assert worked["steps"]["e"] == pytest.approx(e, rel=1e-12) and worked["steps"]["a"] == pytest.approx(a, rel=1e-12)
    assert worked["answer"] == worked["steps"]["a"][0] and len(set(q["h"])) == 3
    grade = demos.quiz_grade("attention-a1", seed, f"{a[0]:.3f}")
    assert grade["correct"] and grade["expected"] == round(a[0], 4)
    assert not demos.quiz_grade("attention-a1", seed, f"{a[0] + 0.01:.3f}")["correct"]
    assert demos.quiz_item("attention-a1", seed)["numbers"] == q


def test_scores_are_the_logits_of_the_weights(path):
    att = AdditiveAttention(2, 3, 2, seed=SEED)
    _, w = att.forward(zeros(2, 1, 2), [[[0.1 * j, -0.2, 0.3 * j]] for j in range(4)])
    w, e = att.weights.tolist(), att.scores.tolist()
    for t in range(2):
        z = sum(math.exp(x) for x in e[t][0])
        assert [math.exp(x) / z for x in e[t][0]] == pytest.approx(w[t][0], rel=1e-12)
