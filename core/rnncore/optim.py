"""Optimisers with gradient-norm clipping, PyTorch's rules (``torch.optim.SGD``, ``torch.optim.Adam``,
``torch.nn.utils.clip_grad_norm_``), with or without numpy (``rnncore.train`` states the conventions).

Parameters and gradients are dicts of PyTorch names -> arrays, or lists of such dicts; state (moments, momentum)
is kept in float64 and rounded to the parameter's dtype on store, so float32 models get the same numbers with and
without numpy.
"""
import math
from array import array

from rnncore import _buffers as buf

__all__ = ["SGD", "Adam", "clip_grad_norm", "grad_norm", "CLIP_EPS"]

CLIP_EPS = 1e-6                         # torch.nn.utils.clip_grad_norm_ adds this to the norm


def _entries(tree):
    """A dict of arrays, or a list/tuple of them -> list of (group index, name, array)."""
    if isinstance(tree, dict):
        tree = [tree]
    if not isinstance(tree, (list, tuple)) or not all(isinstance(d, dict) for d in tree):
        raise TypeError(f"params/grads must be a dict of arrays or a list of such dicts; got {type(tree).__name__}")
    return [(i, name, arr) for i, d in enumerate(tree) for name, arr in d.items()]



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
