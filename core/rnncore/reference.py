"""The readable oracle: RNN (tanh), LSTM and GRU in plain numpy, forward and backpropagation through time.

This is the code the lessons quote and the tests trust. It is written for reading, in the manner of Karpathy's
min-char-rnn: one loop forward over time, then one loop ``for t in reversed(range(T))`` back, and a comment saying
what each line is. Speed is the compiled kernels' job (``rnncore.cells``); they must agree with these lines.

Conventions (the same as the package's, see ``rnncore.__doc__``)
-----------------------------------------------------------------
- Time-major data: ``x`` of shape (T, B, I); hidden states of shape (B, H); outputs ``y`` of shape (T, B, H) per
  direction, (T, B, 2H) when bidirectional (forward direction first).
- PyTorch's parameter layout: ``W_ih`` (G*H, I), ``W_hh`` (G*H, H), ``b_ih`` and ``b_hh`` (G*H,), with G = 1 (RNN),
  4 (LSTM: gate blocks i, f, g, o) or 3 (GRU: gate blocks r, z, n; r multiplies ``W_hn h + b_hn``).
- The numbered steps (1, 2a, ...) match the kernels' comments and the ``Equations::`` blocks in ``rnncore.api``.

Per-direction functions ``<cell>_forward(x, h0, [c0,] W_ih, W_hh, b_ih, b_hh) -> (y, state, cache)`` and
``<cell>_backward(dy, dstate, cache) -> (grads, dx, dstate0, grad_h_norms)``; ``forward``/``backward`` run a
whole (optionally bidirectional) layer with a PyTorch-named parameter dict.
"""
import numpy as np

__all__ = ["sigmoid", "rnn_forward", "rnn_backward", "lstm_forward", "lstm_backward", "gru_forward",
           "gru_backward", "forward", "backward", "GATES", "PARAM_NAMES"]

GATES = {"rnn": 1, "lstm": 4, "gru": 3}   # gate blocks stacked in the rows of W_ih and W_hh
PARAM_NAMES = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")


def sigmoid(a):
    """Logistic function 1 / (1 + exp(-a)), elementwise."""
    return 1.0 / (1.0 + np.exp(-a))


# ----------------------------------------------------------------------------------------------------------- RNN
def rnn_forward(x, h0, W_ih, W_hh, b_ih, b_hh):
    """Elman RNN forward: h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)."""
    T = x.shape[0]                                                   # number of time steps
    hs = {-1: h0}                                                    # hidden states by step; h_{-1} is the initial state
    for t in range(T):
        a = x[t] @ W_ih.T + b_ih + hs[t - 1] @ W_hh.T + b_hh         # 1: pre-activation a_t (B, H)
        hs[t] = np.tanh(a)                                           # 2: h_t = tanh(a_t)
    y = np.stack([hs[t] for t in range(T)])                          # outputs: every hidden state (T, B, H)
    cache = (x, hs, W_ih, W_hh)                                      # what backward needs
    return y, hs[T - 1], cache


def rnn_backward(dy, dhT, cache):
    """Backpropagation through time for ``rnn_forward``; dy (T, B, H), dhT (B, H) the gradient of the final state."""
    x, hs, W_ih, W_hh = cache
    T = x.shape[0]
    dW_ih, dW_hh = np.zeros_like(W_ih), np.zeros_like(W_hh)          # weight gradients, summed over time
    db = np.zeros(W_hh.shape[0], dtype=x.dtype)                      # bias gradient (b_ih and b_hh get the same)
    dx = np.zeros_like(x)                                            # gradient of the inputs
    norms = np.zeros(T)                                              # |dL/dh_t| for the vanishing-gradient curve
    dh_next = dhT.copy()                                             # gradient flowing into h_t from step t+1
    for t in reversed(range(T)):
        dh = dy[t] + dh_next                                         # dL/dh_t: from the output at t and from step t+1
        norms[t] = np.sqrt(np.sum(dh * dh))                          # its norm over batch and hidden units
        da = dh * (1.0 - hs[t] ** 2)                                 # back through 2: tanh' = 1 - h^2
        dW_ih += da.T @ x[t]                                         # back through 1: W_ih x_t
        dW_hh += da.T @ hs[t - 1]                                    # back through 1: W_hh h_{t-1}
        db += da.sum(axis=0)                                         # back through 1: the biases
        dx[t] = da @ W_ih                                            # gradient into x_t
        dh_next = da @ W_hh                                          # gradient into h_{t-1}, carried to step t-1
    grads = {"weight_ih": dW_ih, "weight_hh": dW_hh, "bias_ih": db, "bias_hh": db.copy()}
    return grads, dx, dh_next, norms


# ---------------------------------------------------------------------------------------------------------- LSTM
def lstm_forward(x, h0, c0, W_ih, W_hh, b_ih, b_hh):
    """LSTM forward with PyTorch's gate order i, f, g, o."""
    T = x.shape[0]
    H = h0.shape[1]
    hs, cs = {-1: h0}, {-1: c0}                                      # hidden and cell states by step
    gates = {}                                                       # gate activations by step (for backward and lessons)
    for t in range(T):
        a = x[t] @ W_ih.T + b_ih + hs[t - 1] @ W_hh.T + b_hh         # 1: all four pre-activations (B, 4H)
        i = sigmoid(a[:, 0 * H:1 * H])                               # 1i: input gate
        f = sigmoid(a[:, 1 * H:2 * H])                               # 1f: forget gate
        g = np.tanh(a[:, 2 * H:3 * H])                               # 1g: candidate cell value
        o = sigmoid(a[:, 3 * H:4 * H])                               # 1o: output gate
        cs[t] = f * cs[t - 1] + i * g                                # 2a: c_t = f * c_{t-1} + i * g
        hs[t] = o * np.tanh(cs[t])                                   # 2b: h_t = o * tanh(c_t)
        gates[t] = (i, f, g, o)
    y = np.stack([hs[t] for t in range(T)])
    cache = (x, hs, cs, gates, W_ih, W_hh)
    return y, (hs[T - 1], cs[T - 1]), cache


def lstm_backward(dy, dstate, cache):
    """BPTT for ``lstm_forward``; dstate = (dh_T, dc_T), gradients of the final state."""
    x, hs, cs, gates, W_ih, W_hh = cache
    T = x.shape[0]
    dW_ih, dW_hh = np.zeros_like(W_ih), np.zeros_like(W_hh)
    db = np.zeros(W_hh.shape[0], dtype=x.dtype)
    dx = np.zeros_like(x)
    norms = np.zeros(T)
    dh_next, dc_next = dstate[0].copy(), dstate[1].copy()          # gradients flowing in from step t+1
    for t in reversed(range(T)):
        i, f, g, o = gates[t]
        dh = dy[t] + dh_next                                         # dL/dh_t
        norms[t] = np.sqrt(np.sum(dh * dh))
        tc = np.tanh(cs[t])                                          # tanh(c_t) from 2b
        do = dh * tc                                                 # back through 2b into o
        dc = dc_next + dh * o * (1.0 - tc ** 2)                      # back through 2b into c_t, plus the carried dc
        df = dc * cs[t - 1]                                          # back through 2a into f
        di = dc * g                                                  # back through 2a into i
        dg = dc * i                                                  # back through 2a into g
        dc_next = dc * f                                             # back through 2a into c_{t-1}
        da = np.concatenate([di * i * (1.0 - i),                     # back through 1i: sigmoid' = s(1-s)
                             df * f * (1.0 - f),                     # back through 1f
                             dg * (1.0 - g ** 2),                    # back through 1g: tanh' = 1 - g^2
                             do * o * (1.0 - o)], axis=1)            # back through 1o
        dW_ih += da.T @ x[t]                                         # back through 1: W_ih x_t
        dW_hh += da.T @ hs[t - 1]                                    # back through 1: W_hh h_{t-1}
        db += da.sum(axis=0)                                         # back through 1: the biases
        dx[t] = da @ W_ih                                            # gradient into x_t
        dh_next = da @ W_hh                                          # gradient into h_{t-1}
    grads = {"weight_ih": dW_ih, "weight_hh": dW_hh, "bias_ih": db, "bias_hh": db.copy()}
    return grads, dx, (dh_next, dc_next), norms


# ----------------------------------------------------------------------------------------------------------- GRU
def gru_forward(x, h0, W_ih, W_hh, b_ih, b_hh):
    """GRU forward with PyTorch's gate order r, z, n and r applied to (W_hn h + b_hn)."""
    T = x.shape[0]
    H = h0.shape[1]
    hs = {-1: h0}
    gates = {}
    for t in range(T):
        ax = x[t] @ W_ih.T + b_ih                                    # 1: input part of the pre-activations (B, 3H)
        ah = hs[t - 1] @ W_hh.T + b_hh                               # 1: hidden part of the pre-activations (B, 3H)
        r = sigmoid(ax[:, 0:H] + ah[:, 0:H])                         # 1r: reset gate
        z = sigmoid(ax[:, H:2 * H] + ah[:, H:2 * H])                 # 1z: update gate
        hn = ah[:, 2 * H:3 * H]                                      # 1h: W_hn h_{t-1} + b_hn, kept for backward
        n = np.tanh(ax[:, 2 * H:3 * H] + r * hn)                     # 2a: candidate n = tanh(W_in x + b_in + r*hn)
        hs[t] = (1.0 - z) * n + z * hs[t - 1]                        # 2b: h_t = (1 - z) * n + z * h_{t-1}
        gates[t] = (r, z, n, hn)
    y = np.stack([hs[t] for t in range(T)])
    cache = (x, hs, gates, W_ih, W_hh)
    return y, hs[T - 1], cache


def gru_backward(dy, dhT, cache):
    """BPTT for ``gru_forward``."""
    x, hs, gates, W_ih, W_hh = cache
    T = x.shape[0]
    dW_ih, dW_hh = np.zeros_like(W_ih), np.zeros_like(W_hh)
    db_ih = np.zeros(W_ih.shape[0], dtype=x.dtype)
    db_hh = np.zeros(W_hh.shape[0], dtype=x.dtype)
    dx = np.zeros_like(x)
    norms = np.zeros(T)
    dh_next = dhT.copy()
    for t in reversed(range(T)):
        r, z, n, hn = gates[t]
        dh = dy[t] + dh_next                                         # dL/dh_t
        norms[t] = np.sqrt(np.sum(dh * dh))
        dn = dh * (1.0 - z)                                          # back through 2b into n
        dz = dh * (hs[t - 1] - n)                                    # back through 2b into z
        dh_prev = dh * z                                             # back through 2b into h_{t-1} (direct path)
        dan = dn * (1.0 - n ** 2)                                    # back through 2a: tanh'
        dr = dan * hn                                                # back through 2a into r
        dhn = dan * r                                                # back through 2a into hn = W_hn h + b_hn
        dar = dr * r * (1.0 - r)                                     # back through 1r: sigmoid'
        daz = dz * z * (1.0 - z)                                     # back through 1z: sigmoid'
        dax = np.concatenate([dar, daz, dan], axis=1)                # gradient of the input part of 1
        dah = np.concatenate([dar, daz, dhn], axis=1)                # gradient of the hidden part of 1
        dW_ih += dax.T @ x[t]                                        # back through 1: W_ih x_t
        dW_hh += dah.T @ hs[t - 1]                                   # back through 1: W_hh h_{t-1}
        db_ih += dax.sum(axis=0)
        db_hh += dah.sum(axis=0)
        dx[t] = dax @ W_ih                                           # gradient into x_t
        dh_next = dh_prev + dah @ W_hh                               # gradient into h_{t-1}: direct + through W_hh
    grads = {"weight_ih": dW_ih, "weight_hh": dW_hh, "bias_ih": db_ih, "bias_hh": db_hh}
    return grads, dx, dh_next, norms


# ------------------------------------------------------------------------------------------- a whole layer (D = 1, 2)
_FWD = {"rnn": rnn_forward, "lstm": lstm_forward, "gru": gru_forward}
_BWD = {"rnn": rnn_backward, "lstm": lstm_backward, "gru": gru_backward}


def _suffixes(params):
    return ["", "_reverse"] if "weight_ih_l0_reverse" in params else [""]


def forward(cell, params, x, state=None):
    """One layer, bidirectional when ``params`` holds ``*_reverse`` weights.

    Parameters
    ----------
    cell : {"rnn", "lstm", "gru"}
    params : dict of PyTorch names -> ndarray
    x : ndarray of shape (T, B, I)
    state : None, ndarray of shape (D, B, H), or for LSTM a pair of them (h0, c0)

    Returns
    -------
    y : ndarray of shape (T, B, D*H)
    state : final state, like ``state``
    caches : list of per-direction caches for ``backward``
    """
    suffixes = _suffixes(params)
    D, B = len(suffixes), x.shape[1]
    H = params["weight_hh_l0"].shape[1]
    if state is None:
        zeros = np.zeros((D, B, H), dtype=x.dtype)
        state = (zeros, zeros.copy()) if cell == "lstm" else zeros
    ys, finals, caches = [], [], []
    for d, sfx in enumerate(suffixes):
        w = [params[name + sfx] for name in PARAM_NAMES]
        xd = x if d == 0 else x[::-1]                                # the reverse direction reads time backwards
        s0 = (state[0][d], state[1][d]) if cell == "lstm" else (state[d],)
        y, final, cache = _FWD[cell](xd, *s0, *w)
        ys.append(y if d == 0 else y[::-1])                          # and writes its outputs at the original t
        finals.append(final)
        caches.append(cache)
    y = np.concatenate(ys, axis=2)
    if cell == "lstm":
        final = (np.stack([f[0] for f in finals]), np.stack([f[1] for f in finals]))
    else:
        final = np.stack(finals)
    return y, final, caches


def backward(cell, caches, dy, dstate=None):
    """Gradients of a layer run by ``forward``; returns (grads by PyTorch name, dx, dstate0, grad_h_norms (D, T))."""
    D = len(caches)
    T, B = dy.shape[0], dy.shape[1]
    H = dy.shape[2] // D
    if dstate is None:
        zeros = np.zeros((D, B, H), dtype=dy.dtype)
        dstate = (zeros, zeros.copy()) if cell == "lstm" else zeros
    grads, dxs, d0s, norms = {}, [], [], []
    for d, cache in enumerate(caches):
        sfx = "" if d == 0 else "_reverse"
        dyd = dy[:, :, d * H:(d + 1) * H]
        dyd = dyd if d == 0 else dyd[::-1]                           # reverse direction: its own time order
        dsd = (dstate[0][d], dstate[1][d]) if cell == "lstm" else dstate[d]
        g, dx, d0, nrm = _BWD[cell](np.ascontiguousarray(dyd), dsd, cache)
        for k, v in g.items():
            grads[k + "_l0" + sfx] = v
        dxs.append(dx if d == 0 else dx[::-1])
        d0s.append(d0)
        norms.append(nrm if d == 0 else nrm[::-1])
    dx = sum(dxs)
    if cell == "lstm":
        d0 = (np.stack([a[0] for a in d0s]), np.stack([a[1] for a in d0s]))
    else:
        d0 = np.stack(d0s)
    return grads, dx, d0, np.stack(norms)
