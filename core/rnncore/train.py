"""Training on small tasks: losses, a linear readout and a loop (the optimisers and clipping: ``rnncore.optim``).

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
import numbers
import random

from rnncore import _buffers as buf
from rnncore.api import _ops                # the kernels' build chosen for this CPU
from rnncore.optim import SGD, Adam, clip_grad_norm, grad_norm

__all__ = ["mse_loss", "softmax_cross_entropy", "softmax", "Linear", "grad_norm", "clip_grad_norm",
           "SGD", "Adam", "train_step", "Trainer", "fit", "to_list", "dtype_of", "last_step", "step_mask", "LOSSES"]

to_list, dtype_of = buf.to_list, buf.dtype_of


# ------------------------------------------------------------------------------------------------------ losses
def step_mask(lengths, shape, batch_first=False):
    """Which rows of a (T, B, ...) array (``(B, T, ...)`` when ``batch_first``) are real steps of sequences of
    ``lengths``: a list of T*B flags in the array's row order (True: step t < lengths[b]). ``lengths`` None: None."""
    if lengths is None:
        return None
    if len(shape) < 2:
        raise ValueError(f"lengths: a masked loss needs (T, B, ...) or (B, T, ...) data; got shape {tuple(shape)}")
    B, T = (shape[0], shape[1]) if batch_first else (shape[1], shape[0])
    lens = list(lengths.tolist() if hasattr(lengths, "tolist") else lengths)
    if len(lens) != B:
        raise ValueError(f"lengths: expected B = {B} lengths (one per batch row), got {len(lens)}")
    for i, n in enumerate(lens):
        if isinstance(n, bool) or not isinstance(n, numbers.Integral):
            raise TypeError(f"lengths[{i}]: expected an int, got {type(n).__name__} {n!r}")
        if not 1 <= n <= T:
            raise ValueError(f"lengths[{i}]: expected 1 <= length <= T = {T}, got {n}")
    if batch_first:
        return [t < lens[b] for b in range(B) for t in range(T)]
    return [t < lens[b] for t in range(T) for b in range(B)]


def mse_loss(pred, target, lengths=None, batch_first=False):
    """Mean squared error over every element, and its gradient.

    Parameters
    ----------
    pred : array-like of any shape, float
    target : array-like of the same shape (or the same number of elements)
    lengths : None, or B ints: pred is (T, B, ...) (``(B, T, ...)`` when ``batch_first``) over sequences of these
        lengths; steps past a sequence's end count for nothing (their target is not read)

    Returns
    -------
    loss : float
        ``mean((pred - target)^2)``, like ``torch.nn.MSELoss()`` (over the real steps only with ``lengths``: the
        loss of PyTorch's packed data).
    dpred : array of pred's shape and float dtype
        ``2 (pred - target) / N`` (zero past each end).
    """
    if lengths is not None:
        return _masked(mse_loss, pred, target, lengths, batch_first)
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
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not 0 < temperature < math.inf:
        raise ValueError(f"temperature must be a finite number > 0; got {temperature!r}")
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


def softmax_cross_entropy(logits, targets, lengths=None, batch_first=False):
    """Softmax cross-entropy over a vocabulary, averaged over rows, and its gradient.

    Parameters
    ----------
    logits : array-like of shape (..., V), float
        Unnormalised scores; every leading index is one row (e.g. (T, B, V) or (B, V)).
    targets : array-like of ints of shape (...)
        The class index of each row, ``0 <= targets < V``.
    lengths : None, or B ints: logits are (T, B, V) (``(B, T, V)`` when ``batch_first``) over sequences of these
        lengths; rows past a sequence's end count for nothing and their targets are not read (pad them with
        anything, e.g. -100 as PyTorch's ignore_index)

    Returns
    -------
    loss : float
        ``mean_n(logsumexp(z_n) - z_n[t_n])``, like ``torch.nn.CrossEntropyLoss()``; stable for any magnitude
        (the row maximum is subtracted before ``exp``).
    dlogits : array of logits' shape and float dtype
        ``(softmax(z) - onehot(t)) / N``.
    """
    if lengths is not None:
        return _masked(softmax_cross_entropy, logits, targets, lengths, batch_first)
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


def _masked(loss, pred, target, lengths, batch_first):
    """``loss`` over the real steps only: the rows (T*B of them, each pred's trailing block) of steps before each
    sequence's end are gathered, the loss and its gradient taken over them as one batch (so the mean is over real
    elements, as PyTorch's losses over packed data), and the gradient scattered back with zeros past each end."""
    shape = buf.shape_any(pred)
    keep = step_mask(lengths, shape, batch_first)
    rows = len(keep)
    p, _ = buf.to_flat(pred)
    t, _ = buf.to_flat(target)
    per, per_t = len(p) // rows, len(t) // rows
    if len(t) != per_t * rows or per_t not in (1, per):
        raise ValueError(f"target must have {len(p)} elements like pred {tuple(shape)} (or one per step and row); "
                         f"got {len(t)}")
    idx = [r for r in range(rows) if keep[r]]
    sub_p = buf.from_flat([v for r in idx for v in p[r * per:(r + 1) * per]], (len(idx), per), "float64")
    sub_t = buf.from_flat([v for r in idx for v in t[r * per_t:(r + 1) * per_t]],
                          (len(idx), per_t) if per_t > 1 else (len(idx),), "float64")
    value, dsub = loss(sub_p, sub_t)
    d, _ = buf.to_flat(dsub)
    grad = [0.0] * len(p)
    for j, r in enumerate(idx):
        grad[r * per:(r + 1) * per] = d[j * per:(j + 1) * per]
    return value, buf.from_flat(grad, shape, dtype_of(pred))


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


# -------------------------------------------------------------------------------------------------------- loop
LOSSES = {"mse": mse_loss, "cross_entropy": softmax_cross_entropy}


def _output_size(model):
    """D*H of a cell model from its params (weight_hh_l0 is (G*H, H); *_reverse present when bidirectional)."""
    H = model.params["weight_hh_l0"].shape[1]
    return H * (2 if "weight_hh_l0_reverse" in model.params else 1)


def _last_rows(y, lengths, batch_first):
    """(B, T, K, row index in y of each sequence's last real step)."""
    shape = buf.shape_any(y)
    B, T, K = (shape[0], shape[1], shape[2]) if batch_first else (shape[1], shape[0], shape[2])
    if lengths is None:
        lengths = [T] * B
    step_mask(lengths, shape, batch_first)                                  # checks count, type and range
    lens = list(lengths.tolist() if hasattr(lengths, "tolist") else lengths)
    return B, T, K, [b * T + n - 1 if batch_first else (n - 1) * B + b for b, n in enumerate(lens)]


def last_step(y, lengths=None, batch_first=False):
    """y (T, B, K) -> a view of y[T-1] (B, K). With ``lengths`` (y laid out (B, T, K) when ``batch_first``): each
    sequence's output at its own last real step, y[lengths[b] - 1, b] (a copy)."""
    if lengths is None and not batch_first:
        return buf.take(y, buf.shape_any(y)[0] - 1)
    B, T, K, rows = _last_rows(y, lengths, batch_first)
    flat, _ = buf.to_flat(y)
    return buf.from_flat([v for r in rows for v in flat[r * K:(r + 1) * K]], (B, K), dtype_of(y))


def _dy_last(dh, y, lengths=None, batch_first=False):
    """Gradient of y (T, B, K) that is dh (B, K) at the last step and zero elsewhere; with ``lengths`` at each
    sequence's last real step (y (B, T, K) when ``batch_first``)."""
    if lengths is None and not batch_first:
        T, B, K = buf.shape_any(y)
        dtype = dtype_of(y)
        dy = buf.zeros((T, B, K), dtype)
        buf.copy_into(buf.take(dy, T - 1), buf.reshape(buf.as_array(dh, "dh", dtype, cast=True), (B, K)))
        return dy
    B, T, K, rows = _last_rows(y, lengths, batch_first)
    d, _ = buf.to_flat(dh)
    grad = [0.0] * (T * B * K)
    for b, r in enumerate(rows):
        grad[r * K:(r + 1) * K] = d[b * K:(b + 1) * K]
    return buf.from_flat(grad, buf.shape_any(y), dtype_of(y))


def train_step(model, readout, optimizer, x, target, loss="mse", at="last", lengths=None):
    """One update of ``model`` + ``readout`` on one batch; returns the batch loss (before the update).

    Parameters
    ----------
    model : rnncore.RNN, LSTM or GRU (anything with ``params``, ``forward(x)``, ``backward(dy)``)
    readout : Linear
    optimizer : SGD or Adam over ``[model.params, readout.params]``
    x : array of shape (T, B, I) ((B, T, I) for a ``batch_first`` model)
    target : the loss' target for the readout's output: (B, O) floats / (B,) ints when ``at="last"``,
        (T, B, O) floats / (T, B) ints when ``at="all"`` (the first two axes swapped for ``batch_first``)
    loss : {"mse", "cross_entropy"}
    at : {"last", "all"}
        Read out only the last time step (adding problem, recall) or every step (sine, text).
    lengths : None, or B ints: a batch of sequences of these lengths (``model.forward(x, lengths=...)``); "last"
        reads each sequence's last real step, "all" a loss masked past each end.
    """
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {sorted(LOSSES)}; got {loss!r}")
    if at not in ("last", "all"):
        raise ValueError(f"at must be 'last' or 'all'; got {at!r}")
    bf = getattr(model, "batch_first", False)
    y, _ = model.forward(x) if lengths is None else model.forward(x, lengths=lengths)
    h = last_step(y, lengths, bf) if at == "last" else y
    out = readout.forward(h)
    if at == "all" and lengths is not None:
        value, dout = LOSSES[loss](out, target, lengths=lengths, batch_first=bf)
    else:
        value, dout = LOSSES[loss](out, target)
    rgrads, dh = readout.backward(dout)
    dy = _dy_last(dh, y, lengths, bf) if at == "last" else dh
    grads = model.backward(dy)[0]
    optimizer.step([grads, rgrads])
    return value


class Trainer:
    """Trains a cell model and a linear readout on a task (``rnncore.tasks``), a few steps at a time.

    Parameters
    ----------
    model : rnncore.RNN, LSTM or GRU
    task : a task from ``rnncore.tasks`` (``batch(batch_size, dtype)``, ``output_size``, ``loss``, ``readout``);
        a task of variable-length sequences returns ``(x, target, lengths)`` from ``batch``: the model runs
        ``forward(x, lengths=lengths)`` and the loss is masked past each end (``train_step``)
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
        x, target, *lengths = self.task.batch(self.batch_size, dtype=self.dtype)
        value = train_step(self.model, self.readout, self.optimizer, x, target, loss=self.task.loss,
                           at=self.task.readout, lengths=lengths[0] if lengths else None)
        self.losses.append(value)
        self.grad_norms.append(self.optimizer.grad_norm)
        return value

    def run(self, steps):
        """``steps`` more updates; returns their losses."""
        return [self.step() for _ in range(steps)]

    def predict(self, x, lengths=None):
        """The readout's output for x (T, B, I): (B, O) or (T, B, O) as the task reads out (with ``lengths``, "last"
        is each sequence's last real step)."""
        y, _ = self.model.forward(x) if lengths is None else self.model.forward(x, lengths=lengths)
        bf = getattr(self.model, "batch_first", False)
        return self.readout.forward(last_step(y, lengths, bf) if self.task.readout == "last" else y)


def fit(model, task, steps, **kwargs):
    """Train ``model`` on ``task`` for ``steps`` updates (keyword arguments as ``Trainer``); returns the losses."""
    return Trainer(model, task, **kwargs).run(steps)
