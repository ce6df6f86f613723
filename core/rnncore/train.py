"""Training on small tasks: losses, a linear readout, optimisers with gradient-norm clipping, and a loop.

Everything here works with or without numpy, with the same results to rounding. Arrays are made and read through
the core's one array layer, ``rnncore._buffers`` (numpy arrays when numpy imports, shaped ``memoryview``s in
Pyodide; any buffer or nested list is accepted as input). The arithmetic has two forms:

(A) **numpy present**: elementwise work (losses, optimiser updates) on numpy arrays.
(B) **no numpy** (Pyodide): the same on flat lists of floats, one comprehension per array; ``.tolist()`` of the
    results equals (A)'s to rounding.

The readout's matrix products always run on the core's compiled kernels (``rnncore._ops``, natively and in the
wasm wheel), so a readout gives the same numbers on both. Which form runs is ``_buffers.HAVE_NUMPY``.

Conventions
-----------
- Parameters and gradients are dicts of PyTorch names -> arrays (the cells' ``params`` / ``grads``); an optimiser
  takes one such dict or a list of them (e.g. ``[model.params, readout.params]``) and ``step`` takes the gradients
  in the same structure.
- Optimisers keep their state (moments, momentum) in float64 and round to the parameter's dtype on store, so a
  float32 model gets the same numbers on both paths. Their update rules are PyTorch's (``torch.optim.SGD``,
  ``torch.optim.Adam``) and clipping is ``torch.nn.utils.clip_grad_norm_``:
  ``total = ||(||g_1||, ..., ||g_k||)||``, ``coef = min(max_norm / (total + 1e-6), 1)``, every ``g *= coef``.
- Losses return ``(loss, grad)``: a Python float (the mean over all elements or rows) and its gradient with
  respect to the prediction, of the prediction's shape.

Equations::

    MSE:            L = mean((y - t)^2)                       dL/dy = 2 (y - t) / N
    cross-entropy:  L = mean_n(logsumexp(z_n) - z_n[t_n])     dL/dz = (softmax(z) - onehot(t)) / N
    Linear:         out = h W^T + b                           dW = dout^T h, db = sum_n dout, dh = dout W
    SGD:            b = mu b + (1 - damp) g;  p = p - lr b
    Adam:           m = m + (1 - b1)(g - m);  v = b2 v + (1 - b2) g^2
                    p = p - (lr / (1 - b1^k)) m / (sqrt(v) / sqrt(1 - b2^k) + eps)
"""
import math
import random
from array import array

from rnncore import _buffers as buf
from rnncore.api import _ops                # the kernels' build chosen for this CPU

__all__ = ["mse_loss", "softmax_cross_entropy", "softmax", "Linear", "grad_norm", "clip_grad_norm",
           "SGD", "Adam", "train_step", "Trainer", "fit", "to_list", "dtype_of", "last_step", "LOSSES"]

CLIP_EPS = 1e-6                         # torch.nn.utils.clip_grad_norm_ adds this to the norm
to_list, dtype_of = buf.to_list, buf.dtype_of


def _entries(tree):
    """A dict of arrays, or a list/tuple of them -> list of (group index, name, array)."""
    if isinstance(tree, dict):
        tree = [tree]
    if not isinstance(tree, (list, tuple)) or not all(isinstance(d, dict) for d in tree):
        raise TypeError(f"params/grads must be a dict of arrays or a list of such dicts; got {type(tree).__name__}")
    return [(i, name, arr) for i, d in enumerate(tree) for name, arr in d.items()]


# ------------------------------------------------------------------------------------------------------ losses
def mse_loss(pred, target):
    """Mean squared error over every element, and its gradient.

    Parameters
    ----------
    pred : array-like of any shape, float
    target : array-like of the same shape (or the same number of elements)

    Returns
    -------
    loss : float
        ``mean((pred - target)^2)``, like ``torch.nn.MSELoss()``.
    dpred : array of pred's shape and float dtype
        ``2 (pred - target) / N``.
    """
    dtype = dtype_of(pred)
    npm = buf.numpy()
    if npm is not None:
        p = npm.asarray(pred, dtype=npm.float64)
        t = npm.asarray(target, dtype=npm.float64)
        if p.size != t.size:
            raise ValueError(f"target must have {p.size} elements like pred {p.shape}; got {t.shape}")
        d = p - t.reshape(p.shape)
        n = d.size
        if n == 0:
            raise ValueError("pred is empty: the mean of no errors is undefined")
        loss = float(npm.sum(d * d)) / n
        return loss, (d * (2.0 / n)).astype(dtype)
    p, shape = buf.to_flat(pred)
    t, tshape = buf.to_flat(target)
    if len(p) != len(t):
        raise ValueError(f"target must have {len(p)} elements like pred {shape}; got {tshape}")
    d = [a - b for a, b in zip(p, t)]
    n = len(d)
    if n == 0:
        raise ValueError("pred is empty: the mean of no errors is undefined")
    scale = 2.0 / n
    return math.fsum([v * v for v in d]) / n, buf.from_flat([v * scale for v in d], shape, dtype)


def softmax(logits, temperature=1.0):
    """Softmax over the last axis of ``logits / temperature`` (numerically stable); same shape out."""
    _check_positive("temperature", temperature)
    npm = buf.numpy()
    if npm is not None:
        z = npm.asarray(logits, dtype=npm.float64) / temperature
        z = z - z.max(axis=-1, keepdims=True)
        e = npm.exp(z)
        return e / e.sum(axis=-1, keepdims=True)
    flat, shape = buf.to_flat(logits)
    V = shape[-1] if shape else 1
    out = []
    for r in range(0, len(flat), V):
        row = [v / temperature for v in flat[r:r + V]]
        top = max(row)
        e = [math.exp(v - top) for v in row]
        s = sum(e)
        out.extend([v / s for v in e])
    return buf.from_flat(out, shape or (1,), "float64")


def softmax_cross_entropy(logits, targets):
    """Softmax cross-entropy over a vocabulary, averaged over rows, and its gradient.

    Parameters
    ----------
    logits : array-like of shape (..., V), float
        Unnormalised scores; every leading index is one row (e.g. (T, B, V) or (B, V)).
    targets : array-like of ints of shape (...)
        The class index of each row, ``0 <= targets < V``.

    Returns
    -------
    loss : float
        ``mean_n(logsumexp(z_n) - z_n[t_n])``, like ``torch.nn.CrossEntropyLoss()``; stable for any magnitude
        (the row maximum is subtracted before ``exp``).
    dlogits : array of logits' shape and float dtype
        ``(softmax(z) - onehot(t)) / N``.
    """
    dtype = dtype_of(logits)
    npm = buf.numpy()
    if npm is not None:
        z = npm.asarray(logits, dtype=npm.float64)
        if z.ndim < 1 or z.size == 0:
            raise ValueError(f"logits must have shape (..., V) with at least one row; got {z.shape}")
        V = z.shape[-1]
        z = z.reshape(-1, V)
        t = npm.asarray(targets).reshape(-1)
        if t.shape[0] != z.shape[0]:
            raise ValueError(f"targets must have one class index per row ({z.shape[0]}); got {t.shape[0]}")
        if t.min() < 0 or t.max() >= V or npm.any(t != npm.floor(t)):
            raise ValueError(f"targets must be class indices in [0, {V}); got values in [{t.min()}, {t.max()}]")
        t = t.astype(npm.int64)
        n = z.shape[0]
        rows = npm.arange(n)
        z = z - z.max(axis=1, keepdims=True)                # stable: every exponent <= 0
        e = npm.exp(z)
        s = e.sum(axis=1)
        loss = float(npm.sum(npm.log(s) - z[rows, t])) / n
        g = e / s[:, None]
        g[rows, t] -= 1.0
        g *= 1.0 / n
        return loss, g.reshape(npm.shape(logits)).astype(dtype)
    flat, shape = buf.to_flat(logits)
    if not shape or not flat:
        raise ValueError(f"logits must have shape (..., V) with at least one row; got {shape}")
    V = shape[-1]
    t, _ = buf.to_flat(targets)
    n = len(flat) // V
    if len(t) != n:
        raise ValueError(f"targets must have one class index per row ({n}); got {len(t)}")
    inv_n = 1.0 / n
    total = []
    grad = []
    for r in range(n):
        row = flat[r * V:(r + 1) * V]
        k = int(t[r])
        if not 0 <= k < V or k != t[r]:
            raise ValueError(f"targets must be class indices in [0, {V}); got {t[r]!r}")
        top = max(row)
        z = [v - top for v in row]
        e = [math.exp(v) for v in z]
        s = sum(e)
        total.append(math.log(s) - z[k])
        g = [v / s for v in e]
        g[k] -= 1.0
        grad.extend([v * inv_n for v in g])
    return math.fsum(total) / n, buf.from_flat(grad, shape, dtype)


# ----------------------------------------------------------------------------------------------------- readout
class Linear:
    """A linear readout ``out = h W^T + b`` on the last axis, with PyTorch's ``nn.Linear`` names and init.

    Parameters
    ----------
    in_features, out_features : int
    dtype : {"float64", "float32"}
    seed : int
        Weights and bias drawn from U(-1/sqrt(in_features), 1/sqrt(in_features)) (``nn.Linear``'s default) with
        ``random.Random(seed)``, so both paths start from the same numbers.

    Attributes
    ----------
    params : dict
        ``weight`` of shape (out_features, in_features), ``bias`` of shape (out_features,).
    """

    def __init__(self, in_features, out_features, dtype="float64", seed=0):
        if dtype not in ("float64", "float32"):
            raise ValueError(f"dtype must be 'float64' or 'float32'; got {dtype!r}")
        for name, v in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ValueError(f"{name} must be a positive int; got {v!r}")
        self.in_features, self.out_features, self.dtype = in_features, out_features, dtype
        rng = random.Random(seed)
        k = 1.0 / math.sqrt(in_features)
        w = [rng.uniform(-k, k) for _ in range(out_features * in_features)]
        b = [rng.uniform(-k, k) for _ in range(out_features)]
        self.params = {"weight": buf.from_flat(w, (out_features, in_features), dtype),
                       "bias": buf.from_flat(b, (out_features,), dtype)}
        self._h = None

    def _rows(self, a, name, width):
        """``a`` of shape (..., width) as a C-contiguous (N, 1, width) array of the readout's dtype, and its shape."""
        shape = buf.shape_any(a)
        if not shape or shape[-1] != width:
            raise ValueError(f"{name} must have shape (..., {width}); got {shape}")
        rows = buf.as_array(a, name, self.dtype, cast=True)
        return buf.reshape(rows, (buf.size_of(shape[:-1]), 1, width)), shape

    def forward(self, h):
        """h : array of shape (..., in_features) -> out of shape (..., out_features); remembers h for backward."""
        H, O = self.in_features, self.out_features
        rows, shape = self._rows(h, "h", H)
        w_t = buf.zeros((H, O), self.dtype)
        _ops.transpose2d(self.params["weight"], w_t)
        out = buf.zeros((rows.shape[0], 1, O), self.dtype)
        _ops.linear_fwd(rows, w_t, self.params["bias"], out)                # out = h W^T + b
        self._h = (rows, shape)
        return buf.reshape(out, shape[:-1] + (O,))

    def backward(self, dout):
        """dout : array of shape (..., out_features) -> (grads {weight, bias}, dh of h's shape)."""
        if self._h is None:
            raise ValueError("backward() called before forward()")
        H, O = self.in_features, self.out_features
        h, hshape = self._h
        d, shape = self._rows(dout, "dout", O)
        if shape[:-1] != hshape[:-1]:
            raise ValueError(f"dout must have shape {hshape[:-1] + (O,)}; got {shape}")
        dW, db, dh = buf.zeros((O, H), self.dtype), buf.zeros((O,), self.dtype), buf.zeros(h.shape, self.dtype)
        _ops.outer_acc(d, h, dW)                                 # dW[o, j] = sum_n dout[n, o] h[n, j]
        _ops.sum_tb(d, db)                                       # db[o] = sum_n dout[n, o]
        _ops.linear_bwd_x(d, self.params["weight"], dh, False)   # dh = dout W
        return {"weight": dW, "bias": db}, buf.reshape(dh, hshape)


# ---------------------------------------------------------------------------------------- clipping, optimisers
def _flat_grad(a):
    """A gradient -> flat float64 numpy vector (fast path) or flat list of floats."""
    npm = buf.numpy()
    if npm is not None:
        return npm.asarray(a, dtype=npm.float64).reshape(-1)
    return buf.to_flat(a)[0]


def _norm_of_flats(flats, norm_type):
    npm = buf.numpy()
    if norm_type == 2 or norm_type == 2.0:
        if npm is not None:
            return math.sqrt(math.fsum(float(g @ g) for g in flats))
        return math.sqrt(math.fsum(buf.dot(g, g) for g in flats))
    if norm_type == math.inf:
        if npm is not None:
            return max((float(npm.max(npm.abs(g))) for g in flats if g.size), default=0.0)
        return max((max(map(abs, g)) for g in flats if g), default=0.0)
    raise ValueError(f"norm_type must be 2 or inf; got {norm_type!r}")


def grad_norm(grads, norm_type=2.0):
    """The total norm of all gradients as if concatenated into one vector (2-norm, or ``float('inf')``)."""
    return _norm_of_flats([_flat_grad(a) for _, _, a in _entries(grads)], norm_type)


def _check_positive(name, value, none_ok=False):
    """A finite number > 0 (or None when ``none_ok``), else ValueError naming it."""
    if value is None and none_ok:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (0 < value < math.inf):
        raise ValueError(f"{name} must be a finite number > 0{' or None' if none_ok else ''}; got {value!r}")
    return value


def _check_nonnegative(name, value, below=math.inf):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (0 <= value < below):
        raise ValueError(f"{name} must be a number in [0, {below}); got {value!r}")
    return value


def _clip_coef(total, max_norm):
    return min(max_norm / (total + CLIP_EPS), 1.0)


def clip_grad_norm(grads, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Rescale ``grads`` in place so their total norm is at most ``max_norm``; return the norm before clipping.

    The semantics of ``torch.nn.utils.clip_grad_norm_``: ``coef = min(max_norm / (total + 1e-6), 1)``, and every
    gradient is multiplied by ``coef`` (a no-op when the norm is already small enough).
    """
    _check_positive("max_norm", max_norm)
    total = grad_norm(grads, norm_type)
    if not math.isfinite(total) and error_if_nonfinite:
        raise RuntimeError(f"the total norm of order {norm_type} of the gradients is non-finite ({total})")
    coef = _clip_coef(total, max_norm)
    if coef < 1.0:
        npm = buf.numpy()
        for _, name, a in _entries(grads):
            if npm is not None and hasattr(a, "__array__") and not isinstance(a, memoryview):
                a *= coef
            else:
                flat = buf.writable_flat(a)
                flat[:] = array(flat.format, [v * coef for v in flat.tolist()])
    return total


class _Optimizer:
    """Shared bookkeeping: the parameter entries, optional clipping, and the two update paths."""

    def __init__(self, params, lr, max_norm):
        _check_positive("lr", lr)
        _check_positive("max_norm", max_norm, none_ok=True)
        self.lr, self.max_norm = lr, max_norm
        self._params = _entries(params)
        for _, name, p in self._params:
            kind = str(p.dtype) if hasattr(p, "dtype") else getattr(p, "format", None) or memoryview(p).format
            if kind not in ("float64", "float32", "d", "f", "<d", "<f"):
                raise TypeError(f"parameter {name!r} must hold float32 or float64; got {kind!r}")
        self._keys = [(i, name) for i, name, _ in self._params]
        self.state = {}                     # (group, name) -> per-parameter state (float64 arrays or lists)
        self.steps = 0
        self.grad_norm = None               # total gradient norm (before clipping) of the last step

    def _grads_by_key(self, grads):
        got = {(i, name): a for i, name, a in _entries(grads)}
        unknown = set(got) - set(self._keys)
        if unknown:
            raise ValueError(f"grads holds names the optimiser does not know: {sorted(n for _, n in unknown)}")
        return got

    def step(self, grads):
        """Update every parameter from ``grads`` (same structure as ``params``; a missing name is skipped).

        Clips first when ``max_norm`` is set (without modifying ``grads``). Returns the total gradient 2-norm
        before clipping.
        """
        got = self._grads_by_key(grads)
        flats = {key: _flat_grad(g) for key, g in got.items()}               # each gradient read once
        total = _norm_of_flats(list(flats.values()), 2.0)
        coef = _clip_coef(total, self.max_norm) if self.max_norm is not None else 1.0
        self.steps += 1
        self.grad_norm = total
        npm = buf.numpy()
        for i, name, p in self._params:
            gf = flats.get((i, name))
            if gf is None:
                continue
            if npm is not None:
                pa = npm.asarray(p)
                if gf.size != pa.size:
                    raise ValueError(f"grad {name!r} must have shape {pa.shape}; got {npm.shape(got[i, name])}")
                if coef != 1.0:
                    gf = gf * coef
                new = self._update_np(npm, (i, name), pa.reshape(-1).astype(npm.float64), gf)
                pa[...] = new.reshape(pa.shape)
            else:
                flat = buf.writable_flat(p)
                if len(gf) != len(flat):
                    raise ValueError(f"grad {name!r} must have {len(flat)} elements; got {len(gf)}")
                if coef != 1.0:
                    gf = [v * coef for v in gf]
                flat[:] = array(flat.format, self._update_py((i, name), flat.tolist(), gf))
        return total


class SGD(_Optimizer):
    """Stochastic gradient descent with optional momentum and gradient-norm clipping (``torch.optim.SGD``).

    Parameters
    ----------
    params : dict or list of dicts of arrays
    lr : float
    momentum, dampening, weight_decay : float, default 0
    nesterov : bool, default False
    max_norm : float or None
        Clip the total gradient norm to this before each step (``clip_grad_norm_`` semantics).

    Equations::

        g = g + wd p                               (weight decay)
        b = g  (first step),  b = mu b + (1 - damp) g
        g = g + mu b  (Nesterov)  or  g = b
        p = p - lr g
    """

    def __init__(self, params, lr=0.01, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False,
                 max_norm=None):
        super().__init__(params, lr, max_norm)
        _check_nonnegative("momentum", momentum)
        _check_nonnegative("dampening", dampening, 1.0 + 1e-12)
        _check_nonnegative("weight_decay", weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum > 0 and zero dampening")
        self.momentum, self.dampening, self.weight_decay, self.nesterov = momentum, dampening, weight_decay, nesterov

    def _update_np(self, npm, key, p, g):
        mu, wd = self.momentum, self.weight_decay
        if wd != 0:
            g = g + wd * p
        if mu != 0:
            buf = self.state.get(key)
            buf = g.copy() if buf is None else buf * mu + (1.0 - self.dampening) * g
            self.state[key] = buf
            g = g + mu * buf if self.nesterov else buf
        return p + (-self.lr) * g

    def _update_py(self, key, p, g):
        mu, wd = self.momentum, self.weight_decay
        if wd != 0:
            g = [gi + wd * pi for gi, pi in zip(g, p)]
        if mu != 0:
            buf = self.state.get(key)
            w = 1.0 - self.dampening
            buf = list(g) if buf is None else [bi * mu + w * gi for bi, gi in zip(buf, g)]
            self.state[key] = buf
            g = [gi + mu * bi for gi, bi in zip(g, buf)] if self.nesterov else buf
        nlr = -self.lr
        return [pi + nlr * gi for pi, gi in zip(p, g)]


class Adam(_Optimizer):
    """Adam (``torch.optim.Adam``, amsgrad off) with optional gradient-norm clipping.

    Parameters
    ----------
    params : dict or list of dicts of arrays
    lr : float, default 1e-3
    betas : (float, float), default (0.9, 0.999)
    eps : float, default 1e-8
    weight_decay : float, default 0 (L2 added to the gradient, as torch's Adam; not AdamW)
    max_norm : float or None
        Clip the total gradient norm to this before each step.

    Equations::

        k = k + 1;  g = g + wd p
        m = m + (1 - b1) (g - m)                   (torch: exp_avg.lerp_(g, 1 - b1))
        v = b2 v + (1 - b2) g g
        p = p - (lr / (1 - b1^k)) m / (sqrt(v) / sqrt(1 - b2^k) + eps)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, max_norm=None):
        super().__init__(params, lr, max_norm)
        b1, b2 = betas
        if not all(isinstance(b, (int, float)) and 0 <= b < 1 for b in (b1, b2)):
            raise ValueError(f"betas must lie in [0, 1); got {betas!r}")
        _check_nonnegative("eps", eps)
        _check_nonnegative("weight_decay", weight_decay)
        self.betas, self.eps, self.weight_decay = (b1, b2), eps, weight_decay

    def _scalars(self):
        b1, b2 = self.betas
        k = self.steps
        step_size = self.lr / (1 - b1 ** k)
        bc2_sqrt = (1 - b2 ** k) ** 0.5
        return b1, b2, -step_size, bc2_sqrt

    def _update_np(self, npm, key, p, g):
        b1, b2, neg_step, bc2_sqrt = self._scalars()
        if self.weight_decay != 0:
            g = g + self.weight_decay * p
        m, v = self.state.get(key) or (npm.zeros_like(g), npm.zeros_like(g))
        m = m + (1 - b1) * (g - m)
        v = v * b2 + ((1 - b2) * g) * g
        self.state[key] = (m, v)
        return p + (neg_step * m) / (npm.sqrt(v) / bc2_sqrt + self.eps)

    def _update_py(self, key, p, g):
        b1, b2, neg_step, bc2_sqrt = self._scalars()
        wd, eps, w1, w2 = self.weight_decay, self.eps, 1 - b1, 1 - b2
        if wd != 0:
            g = [gi + wd * pi for gi, pi in zip(g, p)]
        m, v = self.state.get(key) or ([0.0] * len(g), [0.0] * len(g))
        m = [mi + w1 * (gi - mi) for mi, gi in zip(m, g)]
        v = [vi * b2 + (w2 * gi) * gi for vi, gi in zip(v, g)]
        self.state[key] = (m, v)
        sqrt = math.sqrt
        return [pi + (neg_step * mi) / (sqrt(vi) / bc2_sqrt + eps) for pi, mi, vi in zip(p, m, v)]


# -------------------------------------------------------------------------------------------------------- loop
LOSSES = {"mse": mse_loss, "cross_entropy": softmax_cross_entropy}


def _output_size(model):
    """D*H of a cell model from its params (weight_hh_l0 is (G*H, H); *_reverse present when bidirectional)."""
    H = model.params["weight_hh_l0"].shape[1]
    return H * (2 if "weight_hh_l0_reverse" in model.params else 1)


def last_step(y):
    """y (T, B, K) -> a view of y[T-1] (B, K)."""
    return buf.take(y, buf.shape_any(y)[0] - 1)


def _dy_last(dh, y):
    """Gradient of y (T, B, K) that is dh (B, K) at the last step and zero elsewhere."""
    T, B, K = buf.shape_any(y)
    dtype = dtype_of(y)
    dy = buf.zeros((T, B, K), dtype)
    buf.copy_into(buf.take(dy, T - 1), buf.reshape(buf.as_array(dh, "dh", dtype, cast=True), (B, K)))
    return dy


def train_step(model, readout, optimizer, x, target, loss="mse", at="last"):
    """One update of ``model`` + ``readout`` on one batch; returns the batch loss (before the update).

    Parameters
    ----------
    model : rnncore.RNN, LSTM or GRU (anything with ``params``, ``forward(x)``, ``backward(dy)``)
    readout : Linear
    optimizer : SGD or Adam over ``[model.params, readout.params]``
    x : array of shape (T, B, I)
    target : the loss' target for the readout's output: (B, O) floats / (B,) ints when ``at="last"``,
        (T, B, O) floats / (T, B) ints when ``at="all"``
    loss : {"mse", "cross_entropy"}
    at : {"last", "all"}
        Read out only the last time step (adding problem, recall) or every step (sine, text).
    """
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {sorted(LOSSES)}; got {loss!r}")
    if at not in ("last", "all"):
        raise ValueError(f"at must be 'last' or 'all'; got {at!r}")
    y, _ = model.forward(x)
    h = last_step(y) if at == "last" else y
    out = readout.forward(h)
    value, dout = LOSSES[loss](out, target)
    rgrads, dh = readout.backward(dout)
    dy = _dy_last(dh, y) if at == "last" else dh
    grads = model.backward(dy)[0]
    optimizer.step([grads, rgrads])
    return value


class Trainer:
    """Trains a cell model and a linear readout on a task (``rnncore.tasks``), a few steps at a time.

    Parameters
    ----------
    model : rnncore.RNN, LSTM or GRU
    task : a task from ``rnncore.tasks`` (``batch(batch_size, dtype)``, ``output_size``, ``loss``, ``readout``)
    readout : Linear or None
        None: a fresh ``Linear(D*H, task.output_size)`` of the model's dtype, seeded with ``seed``.
    optimizer : "adam", "sgd", or an optimiser instance over ``[model.params, readout.params]``
    lr, max_norm, momentum : used when ``optimizer`` is a name (momentum: SGD only)
    batch_size : int
    seed : int

    Attributes
    ----------
    losses : list of float, one per step so far
    grad_norms : list of float, the total gradient norm (before clipping) per step
    """

    def __init__(self, model, task, readout=None, optimizer="adam", lr=0.01, max_norm=1.0, momentum=0.0,
                 batch_size=32, seed=0):
        self.model, self.task, self.batch_size = model, task, batch_size
        self.dtype = dtype_of(model.params["weight_hh_l0"])
        if readout is None:
            readout = Linear(_output_size(model), task.output_size, dtype=self.dtype, seed=seed)
        self.readout = readout
        params = [model.params, readout.params]
        if optimizer == "adam":
            optimizer = Adam(params, lr=lr, max_norm=max_norm)
        elif optimizer == "sgd":
            optimizer = SGD(params, lr=lr, momentum=momentum, max_norm=max_norm)
        elif isinstance(optimizer, str):
            raise ValueError(f"optimizer must be 'adam', 'sgd' or an optimiser; got {optimizer!r}")
        self.optimizer = optimizer
        self.losses, self.grad_norms = [], []

    def step(self):
        """One update on a fresh batch; returns its loss."""
        x, target = self.task.batch(self.batch_size, dtype=self.dtype)
        value = train_step(self.model, self.readout, self.optimizer, x, target, loss=self.task.loss,
                           at=self.task.readout)
        self.losses.append(value)
        self.grad_norms.append(self.optimizer.grad_norm)
        return value

    def run(self, steps):
        """``steps`` more updates; returns their losses."""
        return [self.step() for _ in range(steps)]

    def predict(self, x):
        """The readout's output for x (T, B, I): (B, O) or (T, B, O) as the task reads out."""
        y, _ = self.model.forward(x)
        return self.readout.forward(last_step(y) if self.task.readout == "last" else y)


def fit(model, task, steps, **kwargs):
    """Train ``model`` on ``task`` for ``steps`` updates (keyword arguments as ``Trainer``); returns the losses."""
    return Trainer(model, task, **kwargs).run(steps)
