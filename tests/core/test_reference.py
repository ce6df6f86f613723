"""Layer 1 of truth: the numpy reference against central finite differences, in float64."""
import numpy as np
import pytest

from rnncore import reference as ref

from core_cases import CELLS, DIRECTIONS


def make_params(cell, I, H, bidirectional, rng, scale=0.6):
    G = ref.GATES[cell]
    shapes = {"weight_ih_l0": (G * H, I), "weight_hh_l0": (G * H, H), "bias_ih_l0": (G * H,), "bias_hh_l0": (G * H,)}
    params = {}
    for sfx in (["", "_reverse"] if bidirectional else [""]):
        for name, shape in shapes.items():
            params[name + sfx] = rng.uniform(-scale, scale, size=shape)
    return params


def loss_and_grads(cell, params, x, state, wy, ws):
    """L = sum(y * wy) + sum(final_state * ws): its gradients are dy = wy and dstate = ws."""
    y, final, caches = ref.forward(cell, params, x, state)
    if cell == "lstm":
        L = np.sum(y * wy) + np.sum(final[0] * ws[0]) + np.sum(final[1] * ws[1])
    else:
        L = np.sum(y * wy) + np.sum(final * ws)
    return L, caches


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("bidirectional", DIRECTIONS)
@pytest.mark.parametrize("T,B,I,H", [(1, 1, 1, 1), (3, 2, 3, 4)])
def test_reference_gradients_match_finite_differences(cell, bidirectional, T, B, I, H, global_random_seed):
    rng = np.random.default_rng(global_random_seed)
    D = 2 if bidirectional else 1
    params = make_params(cell, I, H, bidirectional, rng)
    x = rng.normal(size=(T, B, I))
    if cell == "lstm":
        state = (rng.normal(size=(D, B, H)), rng.normal(size=(D, B, H)))
        ws = (rng.normal(size=(D, B, H)), rng.normal(size=(D, B, H)))
    else:
        state = rng.normal(size=(D, B, H))
        ws = rng.normal(size=(D, B, H))
    wy = rng.normal(size=(T, B, D * H))

    _, caches = loss_and_grads(cell, params, x, state, wy, ws)
    grads, dx, dstate0, norms = ref.backward(cell, caches, wy, ws)
    assert norms.shape == (D, T)

    def numeric(arr):
        """Central differences of L with respect to every element of arr (changed in place, then restored)."""
        out = np.zeros_like(arr)
        eps = 1e-6
        for idx in np.ndindex(arr.shape):
            old = arr[idx]
            arr[idx] = old + eps
            lp, _ = loss_and_grads(cell, params, x, state, wy, ws)
            arr[idx] = old - eps
            lm, _ = loss_and_grads(cell, params, x, state, wy, ws)
            arr[idx] = old
            out[idx] = (lp - lm) / (2 * eps)
        return out

    for name, value in params.items():
        np.testing.assert_allclose(grads[name], numeric(value), rtol=1e-6, atol=1e-8, err_msg=name)
    np.testing.assert_allclose(dx, numeric(x), rtol=1e-6, atol=1e-8, err_msg="dx")
    if cell == "lstm":
        np.testing.assert_allclose(dstate0[0], numeric(state[0]), rtol=1e-6, atol=1e-8, err_msg="dh0")
        np.testing.assert_allclose(dstate0[1], numeric(state[1]), rtol=1e-6, atol=1e-8, err_msg="dc0")
    else:
        np.testing.assert_allclose(dstate0, numeric(state), rtol=1e-6, atol=1e-8, err_msg="dh0")


def test_grad_h_norms_is_the_norm_of_dL_dh(global_random_seed):
    """With dy = 0 except at the last step, the norm at t is |dL/dh_t| computed by perturbing h_t's pre-image."""
    rng = np.random.default_rng(global_random_seed)
    params = make_params("rnn", 2, 3, False, rng)
    x = rng.normal(size=(4, 1, 2))
    y, final, caches = ref.forward("rnn", params, x)
    dy = np.zeros_like(y)
    dy[-1] = 1.0
    _, _, _, norms = ref.backward("rnn", caches, dy)
    assert norms[0, -1] == pytest.approx(np.sqrt(3.0))
    assert np.all(norms > 0)
