"""Bad input: every wrong shape, dtype, NaN, size or call order gets a clear ValueError/TypeError, never a crash."""
import array

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import rnncore

from core_cases import CELLS

ERRORS = (ValueError, TypeError)


def model(cell="lstm", **kw):
    kw.setdefault("dtype", "float64")
    return getattr(rnncore, cell.upper())(3, 4, **kw)


@pytest.mark.parametrize("kwargs,match", [
    (dict(input_size=0, hidden_size=4), "input_size"),
    (dict(input_size=3, hidden_size=-1), "hidden_size"),
    (dict(input_size=3.0, hidden_size=4), "input_size"),
    (dict(input_size=True, hidden_size=4), "input_size"),
    (dict(input_size=3, hidden_size=1 << 40), "hidden_size"),
    (dict(input_size=3, hidden_size=1 << 15), "MAX_ELEMENTS"),
    (dict(input_size=3, hidden_size=4, dtype="int32"), "dtype"),
    (dict(input_size=3, hidden_size=4, dtype="float16"), "dtype"),
    (dict(input_size=3, hidden_size=4, seed="x"), "seed"),
    (dict(input_size=3, hidden_size=4, num_layers=0), r"num_layers: expected 1 <= num_layers <= \d+, got 0"),
    (dict(input_size=3, hidden_size=4, num_layers=2.0), "num_layers: expected an int, got float"),
    (dict(input_size=3, hidden_size=4, dropout=1.0), r"dropout: expected 0 <= dropout < 1, got 1.0"),
    (dict(input_size=3, hidden_size=4, dropout=-0.1), r"dropout: expected 0 <= dropout < 1, got -0.1"),
    (dict(input_size=3, hidden_size=4, dropout=float("nan")), r"dropout: expected 0 <= dropout < 1, got nan"),
    (dict(input_size=3, hidden_size=4, dropout="0.1"), "dropout: expected a float, got str"),
    (dict(input_size=3, hidden_size=4, bidirectional=2), "bidirectional: expected a bool, got 2"),
    (dict(input_size=3, hidden_size=4, batch_first="yes"), "batch_first: expected a bool, got str"),
])
def test_constructor_rejects(kwargs, match):
    with pytest.raises(ERRORS, match=match):
        rnncore.LSTM(**kwargs)


@pytest.mark.parametrize("x,match", [
    (np.zeros((2, 3)), r"x: expected shape \(T, B, I\) = \(\*, \*, 3\), got \(2, 3\)"),
    (np.zeros((2, 1, 5)), r"got \(2, 1, 5\)"),
    (np.zeros((0, 1, 3)), r"every size in \[1,"),
    (np.zeros((2, 0, 3)), r"every size in \[1,"),
    (np.zeros((2, 1, 3), dtype=np.float32), "x: expected dtype float64"),
    (np.zeros((2, 1, 3), dtype=np.int64), "x: expected a float32 or float64 array"),
    (np.zeros((2, 1, 3), dtype=complex), "x: expected a float32 or float64 array"),
    (np.full((2, 1, 3), np.nan), "x: contains 6 NaN"),
    (np.array([[[1.0, np.inf, 0.0]]]), "x: contains 1 NaN or infinite"),
    ([[[1, 2, 3]], [[4, 5]]], "ragged"),
    ([[["a", 2, 3]]], "real numbers"),
    ("abc", "x: expected an array"),
    (None, "x: expected an array"),
    (3.0, "x: expected an array"),
    (array.array("i", [1, 2, 3]), "format 'i'"),
])
def test_forward_rejects_x(x, match):
    with pytest.raises(ERRORS, match=match):
        model().forward(x)


def test_state_checks():
    m = model("lstm")
    x = np.zeros((2, 5, 3))
    with pytest.raises(ValueError, match=r"state\[0\] \(h\): expected shape \(D\*L, B, H\) = \(1, 5, 4\), got \(1, 4, 4\)"):
        m.forward(x, (np.zeros((1, 4, 4)), np.zeros((1, 5, 4))))
    with pytest.raises(TypeError, match="pair"):
        m.forward(x, np.zeros((1, 5, 4)))
    with pytest.raises(ValueError, match=r"state: expected shape \(D\*L, B, H\) = \(2, 5, 4\)"):
        model("gru", bidirectional=True).forward(x, np.zeros((1, 5, 4)))
    with pytest.raises(ValueError, match="NaN"):
        model("rnn").forward(x, np.full((1, 5, 4), np.nan))


def test_stacked_state_checks():
    m = model("lstm", num_layers=3, bidirectional=True)
    x = np.zeros((2, 5, 3))
    with pytest.raises(ValueError, match=r"state\[1\] \(c\): expected shape \(D\*L, B, H\) = \(6, 5, 4\), got \(2, 5, 4\)"):
        m.forward(x, (np.zeros((6, 5, 4)), np.zeros((2, 5, 4))))
    with pytest.raises(ValueError, match=r"state: expected shape \(D\*L, B, H\) = \(2, 5, 4\), got \(1, 5, 4\)"):
        model("rnn", num_layers=2).forward(x, np.zeros((1, 5, 4)))
    m.forward(x)
    with pytest.raises(ValueError, match=r"dstate\[0\] \(h\): expected shape \(D\*L, B, H\) = \(6, 5, 4\)"):
        m.backward(np.zeros((2, 5, 8)), (np.zeros((2, 5, 4)), np.zeros((6, 5, 4))))


def test_batch_first_shapes_in_messages():
    m = model("gru", batch_first=True)
    with pytest.raises(ValueError, match=r"x: expected shape \(B, T, I\) = \(\*, \*, 3\), got \(2, 5, 4\)"):
        m.forward(np.zeros((2, 5, 4)))
    m.forward(np.zeros((2, 5, 3)))
    with pytest.raises(ValueError, match=r"dy: expected shape \(B, T, D\*H\) of the last forward = \(2, 5, 4\), "
                                         r"got \(5, 2, 4\)"):
        m.backward(np.zeros((5, 2, 4)))


@pytest.mark.parametrize("lengths,error,match", [
    ([3, 2], ValueError, r"lengths: expected B = 3 lengths \(one per batch row\), got 2"),
    ([3, 2, 1, 1], ValueError, r"lengths: expected B = 3 lengths \(one per batch row\), got 4"),
    ([3, 0, 1], ValueError, r"lengths\[1\]: expected 1 <= length <= T = 4, got 0"),
    ([3, 5, 1], ValueError, r"lengths\[1\]: expected 1 <= length <= T = 4, got 5"),
    ([3, -1, 1], ValueError, r"lengths\[1\]: expected 1 <= length <= T = 4, got -1"),
    ([3, 2.0, 1], TypeError, r"lengths\[1\]: expected an int, got float 2.0"),
    ([3, True, 1], TypeError, r"lengths\[1\]: expected an int, got bool"),
    ([3, "2", 1], TypeError, r"lengths\[1\]: expected an int, got str '2'"),
    (np.array([3.0, 2.0, 1.0]), TypeError, r"lengths\[0\]: expected an int, got float 3.0"),
    (3, TypeError, r"lengths: expected a sequence of B = 3 ints, got int"),
    ("321", TypeError, r"lengths: expected a sequence of B = 3 ints, got str"),
])
def test_lengths_checks(lengths, error, match):
    m = model("lstm", num_layers=2)
    with pytest.raises(error, match=match):
        m.forward(np.zeros((4, 3, 3)), lengths=lengths)


def test_backward_checks():
    m = model("gru")
    with pytest.raises(ValueError, match="call forward"):
        m.backward(np.zeros((2, 1, 4)))
    with pytest.raises(ValueError, match="grad_h_norms"):
        m.grad_h_norms
    with pytest.raises(ValueError, match="gates"):
        m.gates
    y, _ = m.forward(np.zeros((2, 1, 3)))
    with pytest.raises(ValueError, match=r"dy: expected shape \(T, B, D\*H\) of the last forward = \(2, 1, 4\), got \(3, 1, 4\)"):
        m.backward(np.zeros((3, 1, 4)))
    with pytest.raises(ValueError, match=r"dstate: expected shape"):
        m.backward(np.zeros((2, 1, 4)), np.zeros((1, 2, 4)))
    with pytest.raises(ValueError, match="NaN"):
        m.backward(np.full((2, 1, 4), np.inf))


def test_params_checks():
    m = model("rnn")
    x = np.zeros((2, 1, 3))
    p = m.params["weight_hh_l0"]
    m.params["weight_hh_l0"] = np.zeros((4, 5))
    with pytest.raises(ValueError, match=r"params\['weight_hh_l0'\]: expected shape \(4, 4\), got \(4, 5\)"):
        m.forward(x)
    m.params["weight_hh_l0"] = np.zeros((4, 4), dtype=np.float32)
    with pytest.raises(TypeError, match="dtype float64"):
        m.forward(x)
    m.params["weight_hh_l0"] = np.zeros((4, 8))[:, ::2]
    with pytest.raises(ValueError, match="C-contiguous"):
        m.forward(x)
    ro = np.zeros((4, 4))
    ro.flags.writeable = False
    m.params["weight_hh_l0"] = ro
    with pytest.raises(ValueError, match="read-only"):
        m.forward(x)
    m.params["weight_hh_l0"] = p.copy()
    m.params["weight_hh_l0"][0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        m.forward(x)
    del m.params["weight_hh_l0"]
    with pytest.raises(ValueError, match="missing weight_hh_l0"):
        m.forward(x)
    with pytest.raises(ValueError, match="missing"):
        m.load_state_dict({"weight_ih_l0": np.zeros((4, 3))})
    with pytest.raises(ValueError, match=r"state_dict\['bias_ih_l0'\]: expected shape \(4,\), got \(5,\)"):
        m.load_state_dict({"weight_ih_l0": np.zeros((4, 3)), "weight_hh_l0": np.zeros((4, 4)),
                           "bias_ih_l0": np.zeros(5), "bias_hh_l0": np.zeros(4)})


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_params_changed_in_place_after_a_good_call(cell, dtype):
    """The same array objects, changed in place between calls: every call checks again, forward and backward."""
    m = getattr(rnncore, cell.upper())(3, 4, dtype=dtype, num_layers=2)
    x = np.zeros((2, 1, 3), dtype=dtype)
    y, _ = m.forward(x)
    w = m.params["weight_hh_l1"]
    w[1, 2] = np.inf                                     # written in place: same object, same shape and flags
    with pytest.raises(ValueError, match=r"params\['weight_hh_l1'\]: contains 1 NaN or infinite"):
        m.forward(x)
    with pytest.raises(ValueError, match=r"params\['weight_hh_l1'\]: contains 1 NaN"):
        m.backward(np.ones_like(y))
    w[1, 2] = 0
    m.forward(x)
    b = m.params["bias_ih_l0"]
    b.shape = (b.shape[0] // 2, 2)                       # reshaped in place
    with pytest.raises(ValueError, match=r"params\['bias_ih_l0'\]: expected shape \(%d,\), got" % b.size):
        m.forward(x)
    b.shape = (b.size,)
    b.flags.writeable = False                            # made read-only in place
    with pytest.raises(ValueError, match=r"params\['bias_ih_l0'\]: expected a writable array"):
        m.forward(x)
    b.flags.writeable = True
    m.forward(x)
    x[1, 0, 2] = np.nan
    with pytest.raises(ValueError, match=r"^x: contains 1 NaN"):
        m.forward(x)


def test_param_count_checks():
    with pytest.raises(ValueError, match="cell"):
        rnncore.param_count("transformer", 3, 4)
    with pytest.raises(ValueError, match="hidden_size"):
        rnncore.param_count("rnn", 3, 0)


# --------------------------------------------------------------------------------------------------- Hypothesis
dtypes = st.sampled_from([np.float64, np.float32, np.int32, np.float16, np.bool_, np.complex64])
shapes = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4)
floats = st.floats(allow_nan=True, allow_infinity=True, width=32)
lists = st.recursive(st.one_of(floats, st.integers(-5, 5), st.text(max_size=2), st.none()),
                     lambda inner: st.lists(inner, max_size=3), max_leaves=20)
anything = st.one_of(hnp.arrays(dtype=dtypes, shape=shapes), lists,
                     hnp.arrays(dtype=np.float64, shape=st.tuples(st.integers(0, 3), st.integers(0, 3), st.just(3)),
                                elements=st.floats(allow_nan=True, allow_infinity=True)))


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(cell=st.sampled_from(CELLS), bidirectional=st.booleans(), x=anything, state=st.one_of(st.none(), anything),
       dy=anything)
def test_hypothesis_never_crashes(cell, bidirectional, x, state, dy):
    m = getattr(rnncore, cell.upper())(3, 2, bidirectional=bidirectional)
    try:
        y, _ = m.forward(x, state if cell != "lstm" or state is None else (state, state))
    except ERRORS as e:
        assert str(e)
        return
    assert np.all(np.isfinite(y))
    try:
        grads, dx, _ = m.backward(dy)
    except ERRORS as e:
        assert str(e)
        return
    assert np.all(np.isfinite(dx))


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(cell=st.sampled_from(CELLS), L=st.integers(1, 3), bidirectional=st.booleans(), batch_first=st.booleans(),
       T=st.integers(1, 4), B=st.integers(1, 4),
       lengths=st.one_of(st.none(), st.lists(st.one_of(st.integers(-2, 6), st.floats(0, 5), st.booleans(),
                                                       st.text(max_size=1)), max_size=5)),
       state=st.one_of(st.none(), hnp.arrays(np.float64, st.tuples(st.integers(0, 7), st.integers(0, 5),
                                                                    st.integers(1, 3)))))
def test_hypothesis_stacked_lengths_state(cell, L, bidirectional, batch_first, T, B, lengths, state):
    """Any lengths and states with any stack: a clear error naming the argument, or results that are finite and
    zero past each sequence's end."""
    m = getattr(rnncore, cell.upper())(2, 3, bidirectional=bidirectional, num_layers=L, batch_first=batch_first)
    x = np.ones((B, T, 2) if batch_first else (T, B, 2))
    try:
        y, _ = m.forward(x, state if cell != "lstm" or state is None else (state, state), lengths=lengths)
    except ERRORS as e:
        assert str(e).startswith(("lengths", "state")), str(e)
        return
    assert np.all(np.isfinite(y))
    if lengths is not None:
        for b, n in enumerate(lengths):
            assert not np.any((y[b] if batch_first else y[:, b])[n:])
    _, dx, _ = m.backward(np.ones_like(y))
    assert np.all(np.isfinite(dx))


@settings(max_examples=60, deadline=None)
@given(I=st.one_of(st.integers(-3, 5), st.floats(), st.none(), st.text(max_size=1)),
       H=st.one_of(st.integers(-3, 5), st.just(1 << 30)), dtype=st.sampled_from(["float32", "float64", "f8", None, 3]))
def test_hypothesis_constructor(I, H, dtype):
    try:
        m = rnncore.GRU(I, H, dtype=dtype)
    except ERRORS:
        return
    assert m.hidden_size == H
