"""The forward pass as one compiled call (rnncore._stack): what it keeps from one call to the next, how it hands
bad input to the Python checks, and its row mover, with and without numpy."""
import array

import numpy as np
import pytest

import rnncore
from rnncore import _buffers, _stack

from core_cases import CELLS, SEED


@pytest.fixture(params=["numpy", "no-numpy"])
def numpy_mode(request, monkeypatch):
    monkeypatch.setattr(_buffers, "HAVE_NUMPY", request.param == "numpy")
    return request.param


def _x(rng, T, B, I, dtype="float64"):
    return rng.normal(size=(T, B, I)).astype(dtype)


@pytest.mark.parametrize("cell", CELLS)
def test_a_rejected_forward_keeps_the_last_one_for_backward(cell):
    """Bad lengths or a bad state raise before anything of the last forward is dropped: backward still
    differentiates it, with the same results as right after it."""
    rng = np.random.default_rng(SEED)
    m = getattr(rnncore, cell.upper())(3, 4, num_layers=2, seed=0)
    x, dy = _x(rng, 5, 2, 3), rng.normal(size=(5, 2, 4))
    m.forward(x)
    want = m.backward(dy)[0]
    with pytest.raises(ValueError, match="lengths"):
        m.forward(x, lengths=[5, 6])
    with pytest.raises((ValueError, TypeError), match="state"):
        m.forward(x, np.zeros((1, 2, 4)))
    got = m.backward(dy)[0]
    for name in want:
        np.testing.assert_array_equal(got[name], want[name])


@pytest.mark.parametrize("cell", CELLS)
def test_calls_with_and_without_a_state_do_not_leak_into_each_other(cell, numpy_mode):
    """A forward reuses the last call's zero initial state and gate buffers when T and B match: a call with a
    caller's state in between, or a call of another size, must not change what the next call gives."""
    rng = np.random.default_rng(SEED)
    m = getattr(rnncore, cell.upper())(3, 4, bidirectional=True, seed=1)
    x, x2 = _x(rng, 6, 3, 3), _x(rng, 2, 3, 3)
    h = rng.normal(size=(2, 3, 4)).tolist()              # nested lists: a state with or without numpy
    state = (h, rng.normal(size=(2, 3, 4)).tolist()) if cell == "lstm" else h
    fresh = lambda: getattr(rnncore, cell.upper())(3, 4, bidirectional=True, seed=1)   # noqa: E731
    want_zero = _buffers.to_list(fresh().forward(x)[0])
    want_state = _buffers.to_list(fresh().forward(x, state)[0])
    for step in range(2):
        assert _buffers.to_list(m.forward(x)[0]) == want_zero
        assert _buffers.to_list(m.forward(x, state)[0]) == want_state
        assert _buffers.to_list(m.forward(x)[0]) == want_zero
        m.forward(x2)                                    # another T: nothing to reuse on the next call


@pytest.mark.parametrize("cell", CELLS)
def test_a_reused_cache_differentiates_the_last_call(cell, numpy_mode):
    """A second forward of the same T and B fills the first one's cache again (its containers and gate buffers):
    backward, gates and every layer's input then belong to that second call, as on a fresh model, and the first
    call's outputs stay as they were."""
    rng = np.random.default_rng(SEED)
    make = lambda: getattr(rnncore, cell.upper())(3, 4, num_layers=2, bidirectional=True, seed=2).eval()  # noqa: E731
    x1, x2 = _x(rng, 5, 3, 3), _x(rng, 5, 3, 3)
    dy = rng.normal(size=(5, 3, 8))
    fresh = make()
    fresh.forward(x2)
    want_gates = [{k: _buffers.to_list(v) for k, v in layer.items()} for layer in fresh.gates_by_layer]
    want_grads, want_dx, _ = fresh.backward(dy)
    m = make()
    y1, _ = m.forward(x1)
    y1_before = _buffers.to_list(y1)
    m.forward(x2)
    assert _buffers.to_list(y1) == y1_before
    assert [{k: _buffers.to_list(v) for k, v in layer.items()} for layer in m.gates_by_layer] == want_gates
    grads, dx, _ = m.backward(dy)
    assert _buffers.to_list(dx) == _buffers.to_list(want_dx)
    for name in want_grads:
        assert _buffers.to_list(grads[name]) == _buffers.to_list(want_grads[name]), name


def test_outputs_are_fresh_arrays_of_the_array_layer(numpy_mode):
    """y and the final state are new arrays on every call (the caller may keep them), made as rnncore._buffers
    makes arrays: ndarrays with numpy, shaped writable memoryviews without."""
    m = rnncore.LSTM(2, 3, dtype="float32", seed=0)
    x = memoryview(array.array("f", [0.5] * 8)).cast("B").cast("f", (4, 1, 2))
    y1, (h1, c1) = m.forward(x)
    y2, (h2, c2) = m.forward(x)
    assert y1 is not y2 and h1 is not h2 and c1 is not c2
    for a in (y2, h2, c2):
        if numpy_mode == "numpy":
            assert isinstance(a, np.ndarray) and a.dtype == np.float32 and a.flags.c_contiguous
        else:
            assert isinstance(a, memoryview) and a.format == "f" and not a.readonly and a.c_contiguous
    assert y2.shape == (4, 1, 3) and h2.shape == c2.shape == (1, 1, 3)
    assert _buffers.to_list(y1) == _buffers.to_list(y2)


def test_inputs_the_fast_check_does_not_take_go_through_the_python_checks():
    """x as nested lists, a non-contiguous ndarray or a little-endian-tagged buffer gives what the plain array
    gives; a parameter replaced by a wrong one is named by the Python checks."""
    rng = np.random.default_rng(SEED)
    m = rnncore.GRU(3, 4, seed=0)
    x = _x(rng, 4, 2, 3)
    want = m.forward(x)[0]
    np.testing.assert_array_equal(m.forward(x.tolist())[0], want)
    wide = np.zeros((4, 2, 6))
    wide[:, :, ::2] = x
    np.testing.assert_array_equal(m.forward(wide[:, :, ::2])[0], want)
    np.testing.assert_array_equal(m.forward(memoryview(x.astype("<f8")))[0], want)
    m.params["weight_hh_l0"] = np.zeros((12, 5))
    with pytest.raises(ValueError, match=r"params\['weight_hh_l0'\]: expected shape \(12, 4\), got \(12, 5\)"):
        m.forward(x)


@pytest.mark.parametrize("batch_first", [False, True])
def test_move_rows_puts_rows_in_order_and_back(batch_first):
    rng = np.random.default_rng(SEED)
    T, B, K = 3, 5, 4
    src = rng.normal(size=(B, T, K) if batch_first else (T, B, K)).astype(np.float32)
    order = array.array("i", [3, 0, 4, 1, 2])
    kern = np.zeros((T, B, K), np.float32)
    _stack.move_rows(src, kern, order, batch_first, False)
    tm = src.transpose(1, 0, 2) if batch_first else src
    np.testing.assert_array_equal(kern, tm[:, list(order)])
    back = np.zeros_like(src)
    _stack.move_rows(kern, back, order, batch_first, True)
    np.testing.assert_array_equal(back, src)
    with pytest.raises(TypeError, match="order: expected 5 C ints"):
        _stack.move_rows(src, kern, array.array("i", [0, 1]), batch_first, False)
