"""The public classes ``RNN``, ``LSTM``, ``GRU``: validation, allocation, the big products, then the kernels.

Every argument is checked before a kernel runs (the kernels are compiled without bounds checks). ``forward`` is
one compiled call (``rnncore._stack.forward``): it checks x and the parameters, allocates, and runs every layer
and direction, and comes back to the methods here only to convert an input, to explain what is wrong with one
(the messages are this module's), for ``lengths``, a caller's state and the BLAS route. ``backward`` runs here. Two
routes, chosen by size only:

- *kernel route* (small per-step products, and always without numpy): one compiled sequence kernel per direction
  and phase does everything: the input projection for all steps, the time loop with its own recurrent products,
  and in backward the weight gradients and ``dx``. Bit-identical with and without numpy.
- *BLAS route* (numpy present and ``B * G*H * H >= BLAS_MIN_MACS``, or ``B <= 2`` and ``G*H * H >=
  BLAS_MIN_MACS_SMALL_BATCH``, and no ``lengths``): the time loop runs here, numpy's BLAS does each step's recurrent
  product and the all-steps products; the step kernels do the elementwise gate work. An LSTM forward takes it only
  from ``LSTM_FWD_BLAS_FACTOR`` times that size (its fused kernel is faster), and forward and backward choose apart.

Stacked layers run one after the other, each over the whole sequence (layer k reads layer k-1's output, after
dropout in training mode). The kernels see time-major data with the batch rows sorted by decreasing length (when
``lengths`` are given): ``_stack.move_rows`` moves rows between that layout and the caller's once per call, as
PyTorch's ``pack_padded_sequence(enforce_sorted=False)`` sorts once.
"""
import array
import importlib
import math
import numbers
import operator
import os
import random

from rnncore import _buffers as buf
from rnncore import _ops, _stack


def _kernel_modules():
    """The kernel modules: the *_avx512 or *_avx2 builds where the CPU runs them (x86-64 only), else the portable
    ones. RNNCORE_SIMD=baseline|avx2|avx512 caps the choice (the WebAssembly build only has the portable ones)."""
    cap = os.environ.get("RNNCORE_SIMD", "avx512")
    order = ["avx512", "avx2"]
    order = order[order.index(cap):] if cap in order else []
    for simd in order:
        if not (_ops.cpu_has_avx512() if simd == "avx512" else _ops.cpu_has_avx2_fma()):
            continue
        try:
            mods = [importlib.import_module("rnncore.%s_%s" % (name, simd))
                    for name in ("_ops", "cells.rnn", "cells.lstm", "cells.gru")]
        except ImportError:
            continue
        return (simd, *mods)
    from rnncore.cells import gru, lstm, rnn
    return "baseline", _ops, rnn, lstm, gru


SIMD, _ops, _rnn, _lstm, _gru = _kernel_modules()
# Each cell's forward sequence kernels (float32, float64) as C function pointers, for _stack.forward
_SEQ_FWD = {"rnn": _rnn.seq_fwd_capsule(), "lstm": _lstm.seq_fwd_capsule(), "gru": _gru.seq_fwd_capsule()}
# The backward pass of batches of one to three rows runs faster in the AVX2 build than in the AVX-512 one
# (measured: its 512-bit loops over single rows are short); the kernel for a call is chosen by phase and B only,
# so results never depend on whether numpy is there.
_SMALL_BATCH_CELLS = None
if SIMD == "avx512":
    try:
        _SMALL_BATCH_CELLS = {c: importlib.import_module("rnncore.cells.%s_avx2" % c) for c in ("rnn", "lstm", "gru")}
    except ImportError:
        pass


def _cell_kernels(cell, B, backward=False):
    """The compiled module of ``cell``'s sequence kernels for a batch of B rows (forward or backward)."""
    if backward and B < 4 and _SMALL_BATCH_CELLS is not None:
        return _SMALL_BATCH_CELLS[cell]
    return {"rnn": _rnn, "lstm": _lstm, "gru": _gru}[cell]


# Crossover measured with tests/bench (process CPU time, one thread): the kernels' register tiles beat a Python
# loop of per-step BLAS calls at every benchmark size with 512-bit vectors, up to ~4M multiply-adds per step with
# 256-bit ones, ~1M with the portable 128-bit build.
BLAS_MIN_MACS = {"avx512": 1 << 26, "avx2": 1 << 22}.get(SIMD, 1 << 20)
# An LSTM forward from 8 rows is one fused product per step over packed weight panels (lstm_seq_fwd): with 256-bit
# vectors it beats the BLAS loop up to 8x further (measured at B=64, H=256: 73 against 84 ms); its backward, and
# GRU's forward (whose products are not fused), switch at BLAS_MIN_MACS.
LSTM_FWD_BLAS_FACTOR = 8 if SIMD == "avx2" else 1

np = buf.np

__all__ = ["RNN", "LSTM", "GRU", "param_count", "MAX_DIM", "MAX_LAYERS", "MAX_ELEMENTS", "BLAS_MIN_MACS", "SIMD"]

GATES = {"rnn": 1, "lstm": 4, "gru": 3}
GATE_NAMES = {"rnn": ("h",), "lstm": ("i", "f", "g", "o", "c"), "gru": ("r", "z", "n")}
PARAM_NAMES = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")   # layer 0's; layer k: _l{k}
MAX_DIM = 1 << 20            # largest accepted size of any one dimension (T, B, I, H)
MAX_LAYERS = 1 << 10         # largest accepted num_layers
MAX_ELEMENTS = 1 << 28       # largest accepted number of elements of any array the model allocates
# BLAS_MIN_MACS (above): B * G*H * H from which numpy's BLAS does the per-step products
BLAS_MIN_MACS_SMALL_BATCH = 1 << 19   # G*H * H from which it does so for B <= 2 (one-row products: BLAS's gemv)


def param_count(cell, input_size, hidden_size, bidirectional=False, num_layers=1):
    """Number of parameters of a PyTorch-compatible cell: D * G*H * (I + H + 2) for layer 0, plus
    D * G*H * (D*H + H + 2) for each layer above it.

    >>> param_count("rnn", 3, 4)
    36
    >>> param_count("lstm", 3, 4, num_layers=2)
    304
    """
    if cell not in GATES:
        raise ValueError("cell: expected one of 'rnn', 'lstm', 'gru', got %r" % (cell,))
    I = _check_size(input_size, "input_size")
    H = _check_size(hidden_size, "hidden_size")
    L = _check_size(num_layers, "num_layers", hi=MAX_LAYERS)
    D = 2 if bidirectional else 1
    return D * GATES[cell] * H * (I + H + 2) + (L - 1) * D * GATES[cell] * H * (D * H + H + 2)


def _check_size(v, name, lo=1, hi=MAX_DIM):
    if isinstance(v, bool) or not isinstance(v, int):
        if buf.HAVE_NUMPY and isinstance(v, np.integer):
            v = int(v)
        else:
            raise TypeError("%s: expected an int, got %s" % (name, type(v).__name__))
    if not lo <= v <= hi:
        raise ValueError("%s: expected %d <= %s <= %d, got %d" % (name, lo, name, hi, v))
    return v


def _fmt(shape):
    shape = tuple(shape)
    return "(%s,)" % shape[0] if len(shape) == 1 else "(" + ", ".join(str(s) for s in shape) + ")"


def _typed(kernel, dtype):
    """The compiled specialisation of a kernel for ``dtype``: calling it skips Cython's run-time dispatch on the
    arguments' types (a few us a call; the typed memoryviews still check every buffer's format). A build whose
    fused functions do not list their specialisations gets the kernel itself (the same code, found per call)."""
    sigs = getattr(kernel, "__signatures__", None)
    return sigs["float" if dtype == "float32" else "double"] if sigs else kernel


def _ndarray():
    """numpy's array type for ``_stack.first_invalid`` when numpy is there (a model made with numpy keeps its
    ndarrays when the tests switch ``HAVE_NUMPY`` off), else None."""
    return np.ndarray if np is not None else None


def _check_finite(a, name):
    bad = _ops.count_nonfinite(buf.flat(a))
    if bad:
        raise ValueError("%s: contains %d NaN or infinite value(s)" % (name, bad))




def _check_lengths(lengths, T, B):
    """``lengths`` (B ints in [1, T]) -> (order, bs) for the kernels: ``order`` the batch rows sorted by decreasing
    length (stable), ``bs[t]`` how many sequences are longer than t (the packed sequence's batch sizes). (None, None)
    when every sequence is T steps long: then nothing differs from a call without lengths."""
    if lengths is None:
        return None, None
    if isinstance(lengths, (str, bytes, bytearray)) or isinstance(lengths, numbers.Number):
        raise TypeError("lengths: expected a sequence of B = %d ints, got %s" % (B, type(lengths).__name__))
    vals = lengths.tolist() if hasattr(lengths, "tolist") else lengths
    try:
        vals = list(vals)
    except TypeError:
        raise TypeError("lengths: expected a sequence of B = %d ints, got %s"
                        % (B, type(lengths).__name__)) from None
    if len(vals) != B:
        raise ValueError("lengths: expected B = %d lengths (one per batch row), got %d" % (B, len(vals)))
    for i, v in enumerate(vals):
        if isinstance(v, bool):
            raise TypeError("lengths[%d]: expected an int, got bool" % i)
        try:
            v = operator.index(v)
        except TypeError:
            raise TypeError("lengths[%d]: expected an int, got %s %r" % (i, type(v).__name__, v)) from None
        if not 1 <= v <= T:
            raise ValueError("lengths[%d]: expected 1 <= length <= T = %d, got %d" % (i, T, v))
        vals[i] = v
    if min(vals) == T:
        return None, None
    order = sorted(range(B), key=lambda b: -vals[b])
    bs = [0] * T
    for v in vals:
        bs[v - 1] += 1
    for t in range(T - 2, -1, -1):                   # bs[t] = #{b : length_b > t}
        bs[t] += bs[t + 1]
    return array.array("i", order), array.array("i", bs)


class _Layer:
    """A stack of recurrent layers (one or two directions each); subclasses set ``cell``."""

    cell = None
    _check_lengths = staticmethod(_check_lengths)    # for _stack.forward

    def __init__(self, input_size, hidden_size, bidirectional=False, dtype="float64", seed=0, *,
                 num_layers=1, dropout=0.0, batch_first=False):
        self.input_size = _check_size(input_size, "input_size")
        self.hidden_size = _check_size(hidden_size, "hidden_size")
        self.bidirectional = self._check_bool(bidirectional, "bidirectional")
        self.batch_first = self._check_bool(batch_first, "batch_first")
        self.num_layers = _check_size(num_layers, "num_layers", hi=MAX_LAYERS)
        if isinstance(dropout, bool) or not isinstance(dropout, numbers.Real):
            raise TypeError("dropout: expected a float, got %s" % type(dropout).__name__)
        if not 0.0 <= dropout < 1.0:
            raise ValueError("dropout: expected 0 <= dropout < 1, got %r" % (dropout,))
        self.dropout = float(dropout)
        self.dtype = self._check_dtype(dtype)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise TypeError("seed: expected an int or None, got %s" % type(seed).__name__)
        self.num_directions = 2 if self.bidirectional else 1
        G, H, I = GATES[self.cell], self.hidden_size, self.input_size
        if G * H * max(I, H, self.num_directions * H) > MAX_ELEMENTS:
            raise ValueError("input_size, hidden_size: a weight of %d x %d elements is larger than MAX_ELEMENTS = %d"
                             % (G * H, max(I, H, self.num_directions * H), MAX_ELEMENTS))
        self.seed = seed
        self.training = True                         # as a new torch.nn module: dropout applies until eval()
        # dropout masks come from the model's own generator (seeded), so a run repeats with or without numpy
        self._dropout_rng = random.Random(None if seed is None else "dropout:%d" % seed)
        self._shapes = self.param_shapes()
        self._param_names = tuple(self._shapes)
        self._shape_list = tuple(self._shapes.values())
        # (weight_ih, weight_hh, bias_ih, bias_hh) names of layer k, direction d: _names[k][d]
        self._names = [[tuple("%s_l%d%s" % (w, k, sfx) for w in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
                        for sfx in self.suffixes] for k in range(self.num_layers)]
        self.params = self._init_params(seed)
        self._cache = None
        self._grad_sq = None
        self._gates = None

    @staticmethod
    def _check_bool(v, name):
        if isinstance(v, bool) or (isinstance(v, int) and v in (0, 1)):
            return bool(v)
        if isinstance(v, int):
            raise ValueError("%s: expected a bool, got %d" % (name, v))
        raise TypeError("%s: expected a bool, got %s" % (name, type(v).__name__))

    def train(self, mode=True):
        """Training mode (dropout between layers applies) or, with ``mode=False``, evaluation; returns self."""
        self.training = self._check_bool(mode, "mode")
        return self

    def eval(self):
        """Evaluation mode: no dropout (``train(False)``); returns self."""
        return self.train(False)

    # ----------------------------------------------------------------------------------------------- parameters
    @staticmethod
    def _check_dtype(dtype):
        name = dtype if isinstance(dtype, str) else None
        if name is None and buf.HAVE_NUMPY:
            try:
                name = str(np.dtype(dtype))
            except TypeError:
                name = None
        if name not in ("float32", "float64"):
            raise ValueError("dtype: expected 'float32' or 'float64', got %r" % (dtype,))
        return name


    @property
    def suffixes(self):
        return ("", "_reverse") if self.bidirectional else ("",)

    def layer_input_size(self, k):
        """Input size of layer k: I for layer 0, D*H above it."""
        return self.input_size if k == 0 else self.num_directions * self.hidden_size

    def param_shapes(self):
        """{PyTorch name: shape} in PyTorch's order: for each layer k and direction, weight_ih_l{k} (G*H, I_k),
        weight_hh_l{k} (G*H, H), bias_ih_l{k} and bias_hh_l{k} (G*H,), with I_0 = I and I_k = D*H above."""
        G, H = GATES[self.cell], self.hidden_size
        shapes = {}
        for k in range(self.num_layers):
            for sfx in self.suffixes:
                shapes.update({"weight_ih_l%d%s" % (k, sfx): (G * H, self.layer_input_size(k)),
                               "weight_hh_l%d%s" % (k, sfx): (G * H, H),
                               "bias_ih_l%d%s" % (k, sfx): (G * H,), "bias_hh_l%d%s" % (k, sfx): (G * H,)})
        return shapes

    def _init_params(self, seed):
        """PyTorch's default: every entry uniform on [-1/sqrt(H), 1/sqrt(H)], here from Python's ``random``
        (so the same seed gives the same weights with and without numpy)."""
        rng = random.Random(seed)
        k = 1.0 / math.sqrt(self.hidden_size)
        params = {}
        for name, shape in self.param_shapes().items():
            values = [rng.uniform(-k, k) for _ in range(buf.size_of(shape))]
            params[name] = buf.from_flat(values, shape, self.dtype)
        return params

    @property
    def num_parameters(self):
        return param_count(self.cell, self.input_size, self.hidden_size, self.bidirectional, self.num_layers)

    def _checked_params(self):
        """Every parameter present, of its shape and dtype, C-contiguous, writable and finite: checked on every
        call, since arrays can be replaced, reshaped or written in place between calls. The common case is one
        compiled pass over all of them (``_stack.first_invalid``: kind, buffer, format, shape, then each value);
        when it finds a problem, the Python checks below say which argument and how. (``forward`` does the same
        check in its own compiled pass.)"""
        params = self.params
        if type(params) is dict:
            arrays = [params.get(name) for name in self._shapes]
            if _stack.first_invalid(arrays, self._shape_list, self.dtype, True, MAX_DIM, _ndarray()) < 0:
                return params
        return self._explain_params()

    def _explain_params(self):
        """The checks of ``_checked_params`` one by one in Python, raising with the argument's name and the expected
        and actual value."""
        if not isinstance(self.params, dict):
            raise TypeError("params: expected a dict, got %s" % type(self.params).__name__)
        shapes = self._shapes
        missing = sorted(set(shapes) - set(self.params))
        if missing:
            raise ValueError("params: missing %s" % ", ".join(missing))
        for name, shape in shapes.items():
            p = self.params[name]
            if not buf.is_array(p):
                raise TypeError("params[%r]: expected an array, got %s" % (name, type(p).__name__))
            if buf.shape_of(p) != shape:
                raise ValueError("params[%r]: expected shape %s, got %s" % (name, _fmt(shape), _fmt(p.shape)))
            if buf.dtype_name(p) != self.dtype:
                raise TypeError("params[%r]: expected dtype %s, got %s" % (name, self.dtype, buf.dtype_name(p)))
            if not buf.is_c_contiguous(p):
                raise ValueError("params[%r]: expected a C-contiguous array" % name)
            if not buf.is_writable(p):
                raise ValueError("params[%r]: expected a writable array, got a read-only one" % name)
        for name in shapes:
            _check_finite(self.params[name], "params[%r]" % name)
        return self.params

    def state_dict(self):
        """A copy of the parameters: {PyTorch name: array}."""
        return {name: buf.copy(p) for name, p in self.params.items()}

    def load_state_dict(self, state_dict):
        """Copy parameters in (PyTorch names; arrays, nested lists or buffers of any float dtype); the arrays in
        ``params`` keep their identity. Extra or missing names raise ValueError."""
        if not hasattr(state_dict, "keys"):
            raise TypeError("state_dict: expected a mapping, got %s" % type(state_dict).__name__)
        shapes = self.param_shapes()
        keys = set(state_dict.keys())
        if keys != set(shapes):
            raise ValueError("state_dict: expected keys %s, got %s (missing %s, unexpected %s)"
                             % (sorted(shapes), sorted(keys), sorted(set(shapes) - keys), sorted(keys - set(shapes))))
        new = {}
        for name, shape in shapes.items():
            a = buf.as_array(state_dict[name], "state_dict[%r]" % name, self.dtype, cast=True)
            if buf.shape_of(a) != shape:
                raise ValueError("state_dict[%r]: expected shape %s, got %s" % (name, _fmt(shape), _fmt(a.shape)))
            _check_finite(a, "state_dict[%r]" % name)
            new[name] = a
        for name, a in new.items():
            p = self.params.get(name)
            if p is not None and buf.is_array(p) and buf.shape_of(p) == shapes[name] and buf.is_writable(p) \
                    and buf.dtype_name(p) == self.dtype and buf.is_c_contiguous(p):
                buf.copy_into(p, a)
            else:
                self.params[name] = buf.copy(a)
        self._cache = None

    def save(self, path):
        """Write the parameters to an ``.npz`` file with PyTorch's names (needs numpy)."""
        if not buf.HAVE_NUMPY:
            raise RuntimeError("save: writing .npz needs numpy")
        np.savez(path, **{name: np.asarray(p) for name, p in self.params.items()})


    @classmethod
    def load(cls, path, dtype=None, **kwargs):
        """A model from an ``.npz`` of PyTorch-named arrays (e.g. ``np.savez(f, **{k: v.numpy() for k, v in
        torch_module.state_dict().items()})``); sizes, layers and direction come from the names and shapes, dtype
        from the file; ``kwargs`` (``batch_first``, ``dropout``, ``seed``) go to the constructor."""
        if not buf.HAVE_NUMPY:
            raise RuntimeError("load: reading .npz needs numpy")
        with np.load(path) as f:
            arrays = {k: f[k] for k in f.files}
        for name in PARAM_NAMES:
            if name not in arrays:
                raise ValueError("%s: no array named %r" % (path, name))
        G = GATES[cls.cell]
        w_ih, w_hh = arrays["weight_ih_l0"], arrays["weight_hh_l0"]
        if w_ih.ndim != 2 or w_hh.ndim != 2 or w_hh.shape[0] % G or w_hh.shape[0] != G * w_hh.shape[1]:
            raise ValueError("%s: weight_hh_l0 of shape %s is not (%d*H, H)" % (path, _fmt(w_hh.shape), G))
        if dtype is None:
            dtype = str(w_ih.dtype) if str(w_ih.dtype) in ("float32", "float64") else "float64"
        L = 1
        while "weight_ih_l%d" % L in arrays:
            L += 1
        m = cls(w_ih.shape[1], w_hh.shape[1], bidirectional="weight_ih_l0_reverse" in arrays, dtype=dtype,
                num_layers=L, **kwargs)
        m.load_state_dict(arrays)
        return m

    # ------------------------------------------------------------------------------------------------- inputs
    def _input(self, obj, name, shape, what):
        """``obj`` as a C-contiguous array of the model's dtype and exactly ``shape`` (entries None: any size in
        [1, MAX_DIM]), every value finite: one compiled check (``_stack.first_invalid``), or the Python ones below
        to say what is wrong."""
        a = buf.as_array(obj, name, self.dtype)
        if _stack.first_invalid([a], (tuple(-1 if s is None else s for s in shape),), self.dtype, False, MAX_DIM,
                                _ndarray()) < 0:
            return a
        got = buf.shape_of(a)
        if len(got) != len(shape) or any(s is not None and s != g for s, g in zip(shape, got)):
            want = _fmt(["*" if s is None else s for s in shape])
            raise ValueError("%s: expected shape %s = %s, got %s" % (name, what, want, _fmt(got)))
        for s, g in zip(shape, got):
            if s is None and not 1 <= g <= MAX_DIM:
                raise ValueError("%s: expected shape %s with every size in [1, %d], got %s"
                                 % (name, what, MAX_DIM, _fmt(got)))
        _check_finite(a, name)
        return a

    def _state_input(self, state, name, B):
        """The initial (or final-gradient) state: None -> zeros; h (D*L, B, H), or (h, c) for LSTM. Returns a list
        of copies."""
        DL, H = self.num_directions * self.num_layers, self.hidden_size
        n = 2 if self.cell == "lstm" else 1
        if state is None:
            return [buf.zeros((DL, B, H), self.dtype) for _ in range(n)]
        if self.cell == "lstm":
            if not isinstance(state, (tuple, list)) or len(state) != 2 or not (
                    buf.is_array(state[0]) or isinstance(state[0], (list, tuple))):
                raise TypeError("%s: expected a pair (h, c) of arrays of shape (D*L, B, H) = %s"
                                % (name, _fmt((DL, B, H))))
            parts = [(state[0], name + "[0] (h)"), (state[1], name + "[1] (c)")]
        else:
            parts = [(state, name)]
        return [buf.copy(self._input(s, nm, (DL, B, H), "(D*L, B, H)")) for s, nm in parts]

    def _kernel_layout(self, a, order, batch_first):
        """``a`` (T, B, K), or (B, T, K) when batch_first, as the kernels take it: time-major, rows in ``order``."""
        if order is None and not batch_first:
            return a
        s = a.shape
        out = buf.zeros((s[1], s[0], s[2]) if batch_first else s, self.dtype)
        _stack.move_rows(a, out, order, batch_first, False)
        return out

    def _caller_layout(self, a, order, batch_first):
        """The inverse of ``_kernel_layout``."""
        if order is None and not batch_first:
            return a
        s = a.shape
        out = buf.zeros((s[1], s[0], s[2]) if batch_first else s, self.dtype)
        _stack.move_rows(a, out, order, batch_first, True)
        return out

    def _use_blas(self, B, backward):
        """The BLAS route (numpy only) for a batch of B: per-step products of B * G*H * H multiply-adds. Forward and
        backward choose apart (both routes keep the same gates and states)."""
        per_row = GATES[self.cell] * self.hidden_size * self.hidden_size
        macs = BLAS_MIN_MACS * (LSTM_FWD_BLAS_FACTOR if self.cell == "lstm" and not backward else 1)
        return buf.HAVE_NUMPY and (B * per_row >= macs or (B <= 2 and per_row >= BLAS_MIN_MACS_SMALL_BATCH))


    # ------------------------------------------------------------------------------------------------ forward
    def forward(self, x, state=None, lengths=None):
        """Run the stack over a batch of sequences.

        Parameters
        ----------
        x : ndarray (or nested list / buffer) of shape (T, B, I), or (B, T, I) when ``batch_first``
        state : None (zeros), ndarray of shape (D*L, B, H), or for LSTM a pair (h0, c0) of them; entry
            k*D + d is layer k's direction d (PyTorch's order)
        lengths : None, or B ints with 1 <= length <= T: sequence b is x[:lengths[b]] of its row, the rest padding

        Returns
        -------
        y : ndarray (or shaped memoryview) of shape (T, B, D*H) ((B, T, D*H) when ``batch_first``): h_t of every
            step of the last layer, forward direction first; zero past each sequence's end
        state : final state, like ``state``: h (D*L, B, H), or (h, c) for LSTM. With ``lengths``, each sequence's
            state at its last real step; the reverse direction starts there (as PyTorch's packed sequences)
        """
        return _stack.forward(self, x, state, lengths, _SEQ_FWD[self.cell], MAX_DIM, MAX_ELEMENTS)

    __call__ = forward

    def _blas_dir_fwd(self, k, d, x, s0, final, y, a, aux):
        """Direction d of layer k by the BLAS route (numpy, large sizes, no lengths; ``_stack.forward`` calls it):
        x (T, B, I_k) into y's columns of direction d, the gates into ``a`` (and LSTM c_t / GRU hn_t into ``aux``),
        its final state into entry k*D + d of ``final``, from entry k*D + d of the initial state ``s0``."""
        T, B, H, G = x.shape[0], x.shape[1], self.hidden_size, GATES[self.cell]
        w_ih, w_hh, b_ih, b_hh = [self.params[name] for name in self._names[k][d]]
        j = k * self.num_directions + d                          # PyTorch's index into the state
        h0, c0 = s0[0][j], (s0[1][j] if self.cell == "lstm" else None)
        col, rev = d * H, d == 1
        np.matmul(x.reshape(T * B, -1), w_ih.T, out=a.reshape(T * B, G * H))   # 1: x_t W_ih^T, all t
        if self.cell == "gru":                         # r multiplies W_hn h + b_hn: b_hh stays with the step
            a += b_ih
        else:                                          # 1: + b_ih + b_hh, once for all steps
            a += b_ih + b_hh
        self._blas_fwd(a, w_hh, b_hh, h0, c0, aux, y, col, rev)
        t_last = 0 if rev else T - 1
        final[0][j] = y[t_last, :, col:col + H]
        if self.cell == "lstm":
            final[1][j] = aux[t_last]

    def _blas_fwd(self, a, w_hh, b_hh, h0, c0, aux, y, col, rev):
        """The time loop of the BLAS route: ``a`` holds x_t W_ih^T + b_ih (+ b_hh but for GRU) for every t."""
        T, B, H = a.shape[0], a.shape[1], self.hidden_size
        ah = np.empty((B, a.shape[2]), dtype=a.dtype)
        # this direction's h_t, contiguous for the next step's product: y itself with one direction
        hs = y if y.shape[2] == H else np.empty((T, B, H), dtype=a.dtype)
        h_prev, c_prev = h0, c0
        w_hh_t = w_hh.T
        step = _typed({"lstm": _lstm.lstm_step_fwd, "gru": _gru.gru_step_fwd, "rnn": _rnn.rnn_step_fwd}[self.cell],
                      self.dtype)
        for s in range(T):
            t = T - 1 - s if rev else s
            np.matmul(h_prev, w_hh_t, out=ah)                        # 1: W_hh h_{t-1} (BLAS)
            if self.cell == "lstm":
                step(a[t], ah, c_prev, aux[t], hs[t])
                c_prev = aux[t]
            elif self.cell == "gru":
                ah += b_hh
                step(a[t], ah, h_prev, aux[t], hs[t])
            else:
                step(a[t], ah, hs[t])
            h_prev = hs[t]
        if hs is not y:
            y[:, :, col:col + H] = hs


    # ----------------------------------------------------------------------------------------------- backward
    def backward(self, dy, dstate=None):
        """Backpropagation through time for the last ``forward``, through every layer.

        Parameters
        ----------
        dy : ndarray of shape (T, B, D*H) ((B, T, D*H) when ``batch_first``): dL/dy; entries past a sequence's
            end (with ``lengths``) are ignored
        dstate : None (zeros) or like the returned state: dL/d(final state)

        Returns
        -------
        grads : dict of PyTorch names -> arrays shaped like ``params``
        dx : ndarray shaped like x: dL/dx (zero past each sequence's end)
        dstate0 : dL/d(initial state), like ``state``

        After the call, ``grad_h_norms`` holds |dL/dh_t| per step, from the same pass.
        """
        if self._cache is None:
            raise ValueError("backward: no forward pass to differentiate (call forward() first)")
        params = self._checked_params()
        cache = self._cache
        T, B, order, bs, bf = cache["T"], cache["B"], cache["order"], cache["bs"], self.batch_first
        D, H = self.num_directions, self.hidden_size
        want, what = ((B, T, D * H), "(B, T, D*H)") if bf else ((T, B, D * H), "(T, B, D*H)")
        dy = self._kernel_layout(self._input(dy, "dy", want, what + " of the last forward"), order, bf)
        ds = [self._kernel_layout(s, order, False) for s in self._state_input(dstate, "dstate", B)]
        grads, norms = {}, [None] * self.num_layers
        for k in reversed(range(self.num_layers)):
            lay = cache["layers"][k]
            dx = buf.zeros((T, B, self.layer_input_size(k)), self.dtype)
            norms[k] = self._layer_bwd(k, params, lay, cache["s0"], dy, ds, dx, grads, bs, cache["blas"])
            if lay["mask"] is not None:                              # back through dropout
                _ops.mul_inplace(buf.flat(dx), buf.flat(lay["mask"]))
            dy = dx
        self._grad_sq = norms
        dx = self._caller_layout(dx, order, bf)
        ds = [self._caller_layout(s, order, False) for s in ds]
        grads = {name: grads[name] for name in self._shapes}
        return grads, dx, (tuple(ds) if self.cell == "lstm" else ds[0])

    def _layer_bwd(self, k, params, lay, s0, dy, ds, dx, grads, bs, blas):
        """Layer k back: dy (T, B, D*H) -> dx (T, B, I_k) (+=), ds entries of layer k in place (final -> initial
        state's gradient), the layer's weight gradients into ``grads``; s0: the forward's initial state (kernel
        layout). Returns |dL/dh_t|^2 per direction."""
        x, y = lay["x"], lay["y"]
        T, B = x.shape[0], x.shape[1]
        D, H, G, I = self.num_directions, self.hidden_size, GATES[self.cell], self.layer_input_size(k)
        norms = []
        for d, sfx in enumerate(self.suffixes):
            sfx = "_l%d%s" % (k, sfx)
            w_ih, w_hh = params["weight_ih" + sfx], params["weight_hh" + sfx]
            j = k * D + d
            c = dict(lay["dirs"][d], h0=buf.take(s0[0], j), c0=buf.take(s0[1], j) if self.cell == "lstm" else None)
            dh = buf.take(ds[0], j)
            dc = buf.take(ds[1], j) if self.cell == "lstm" else None
            nsq = buf.zeros((T,), "float64")
            dw_ih = buf.zeros((G * H, I), self.dtype)
            dw_hh = buf.zeros((G * H, H), self.dtype)
            db_ih = buf.zeros((G * H,), self.dtype)
            db_hh = buf.zeros((G * H,), self.dtype)
            col, rev = d * H, d == 1
            kern = _cell_kernels(self.cell, B, backward=True)
            if blas:
                dax = np.empty((T, B, G * H), dtype=self.dtype)
                dah = np.empty((T, B, G * H), dtype=self.dtype) if self.cell == "gru" else dax
                self._blas_bwd(c, w_hh, y, dy, dh, dc, dax, dah, nsq, col, rev)
                hp = np.empty((T, B, H), dtype=self.dtype)           # h_{t-1} for every t
                if rev:
                    hp[:-1] = y[1:, :, col:col + H]
                    hp[-1] = c["h0"]
                else:
                    hp[1:] = y[:-1, :, col:col + H]
                    hp[0] = c["h0"]
                np.matmul(dah.reshape(T * B, G * H).T, hp.reshape(T * B, H), out=dw_hh)   # back through 1: W_hh
                np.matmul(dax.reshape(T * B, G * H).T, x.reshape(T * B, I), out=dw_ih)    # back through 1: W_ih
                np.sum(dax, axis=(0, 1), out=db_ih)
                np.sum(dah, axis=(0, 1), out=db_hh)
                dx += (dax.reshape(T * B, G * H) @ w_ih).reshape(T, B, I)                  # gradient into x
            elif self.cell == "lstm":
                kern.lstm_seq_bwd(x, w_ih, w_hh, c["h0"], c["c0"], c["a"], c["aux"], y, dy, dh, dc, dx,
                                  dw_ih, dw_hh, db_ih, db_hh, nsq, col, rev, bs)
            elif self.cell == "gru":
                kern.gru_seq_bwd(x, w_ih, w_hh, c["h0"], c["a"], c["aux"], y, dy, dh, dx,
                                 dw_ih, dw_hh, db_ih, db_hh, nsq, col, rev, bs)
            else:
                kern.rnn_seq_bwd(x, w_ih, w_hh, c["h0"], y, dy, dh, dx, dw_ih, dw_hh, db_ih, db_hh, nsq, col, rev,
                                 bs)
            grads.update({"weight_ih" + sfx: dw_ih, "weight_hh" + sfx: dw_hh,
                          "bias_ih" + sfx: db_ih, "bias_hh" + sfx: db_hh})
            norms.append(nsq)
        return norms

    def _blas_bwd(self, c, w_hh, y, dy, dh, dc, dax, dah, nsq, col, rev):
        T, B, H = dax.shape[0], dax.shape[1], self.hidden_size
        a, aux = c["a"], c["aux"]
        hs = np.ascontiguousarray(y[:, :, col:col + H])              # this direction's h_t and dL/dy_t
        dys = np.ascontiguousarray(dy[:, :, col:col + H])
        tmp = np.empty((B, H), dtype=dax.dtype)
        for s in range(T):
            t = s if rev else T - 1 - s
            first = s == T - 1                                       # the step that read the initial state
            tp = t + 1 if rev else t - 1
            h_prev = c["h0"] if first else hs[tp]
            if self.cell == "lstm":
                c_prev = c["c0"] if first else aux[tp]
                nsq[t] = _lstm.lstm_step_bwd(a[t], aux[t], c_prev, dys[t], dh, dc, dax[t])
            elif self.cell == "gru":
                nsq[t] = _gru.gru_step_bwd(a[t], aux[t], h_prev, dys[t], dh, dax[t], dah[t])
            else:
                nsq[t] = _rnn.rnn_step_bwd(hs[t], dys[t], dh, dax[t])
            np.matmul(dah[t], w_hh, out=tmp)                         # back through 1: dL/dh_{t-1} += da_t W_hh
            dh += tmp


    # ---------------------------------------------------------------------------------------- introspection
    def _norms(self, name):
        if self._grad_sq is None:
            raise ValueError("%s: no backward pass yet (call backward() first)" % name)
        return self._grad_sq

    @property
    def grad_h_norms(self):
        """|dL/dh_t| for t = 0 .. T-1 after ``backward`` (norm over batch, hidden units and directions), shape (T,),
        of the last layer (the one whose h_t is y). Every layer: ``grad_h_norms_by_layer``.

        dL/dh_t is the full gradient reaching h_t: from the output at t and from every later step. Per direction:
        ``grad_h_norms_by_direction``, shape (D, T).
        """
        sq = self._norms("grad_h_norms")[-1]
        T = len(sq[0])
        return buf.from_flat([math.sqrt(sum(n[t] for n in sq)) for t in range(T)], (T,), "float64")

    @property
    def grad_h_norms_by_layer(self):
        """|dL/dh_t| of every layer, shape (L, T): row k is layer k's h_t (for k < L-1, the gradient that reaches it
        from the layer above at t and from layer k's later steps)."""
        sq = self._norms("grad_h_norms_by_layer")
        T = len(sq[0][0])
        vals = [math.sqrt(sum(n[t] for n in layer)) for layer in sq for t in range(T)]
        return buf.from_flat(vals, (len(sq), T), "float64")

    @property
    def grad_h_norms_by_direction(self):
        """|dL/dh_t| of the last layer per direction, shape (D, T)."""
        sq = self._norms("grad_h_norms_by_direction")[-1]
        T = len(sq[0])
        return buf.from_flat([math.sqrt(n[t]) for n in sq for t in range(T)], (len(sq), T), "float64")

    @property
    def gates(self):
        """Per-step activations of the last ``forward``'s last layer: dict name -> array laid out like y ((T, B,
        D*H), or (B, T, D*H) when ``batch_first``; zero past each sequence's end). Every layer: ``gates_by_layer``.

        LSTM: i, f, g, o (after their sigmoid/tanh) and the cell state c; GRU: r, z, n; RNN: h (= y).
        """
        return self._layer_gates("gates")[-1]

    @property
    def gates_by_layer(self):
        """``gates`` of every layer: a list of L dicts, layer 0 first."""
        return list(self._layer_gates("gates_by_layer"))

    def _layer_gates(self, what):
        if self._cache is None:
            raise ValueError("%s: no forward pass yet (call forward() first)" % what)
        if self._gates is None:
            c = self._cache
            T, B, H, D = c["T"], c["B"], self.hidden_size, self.num_directions
            out = []
            for lay in c["layers"]:
                named = {}
                for g, name in enumerate(GATE_NAMES[self.cell]):
                    arr = buf.zeros((T, B, D * H), self.dtype)
                    for d in range(D):
                        if self.cell == "rnn":
                            _ops.copy_cols(lay["y"], d * H, arr, d * H, H)
                        elif name == "c":
                            _ops.copy_cols(lay["dirs"][d]["aux"], 0, arr, d * H, H)
                        else:
                            _ops.copy_cols(lay["dirs"][d]["a"], g * H, arr, d * H, H)
                    if c["bs"] is not None:                          # past each end: zeros, as y
                        self._zero_padding(arr, c["bs"])
                    named[name] = self._caller_layout(arr, c["order"], self.batch_first)
                out.append(named)
            self._gates = out
        return self._gates

    @staticmethod
    def _zero_padding(arr, bs):
        """Zero the rows of arr (T, B, K) (kernel layout: rows sorted by length) past their sequence's end: at step
        t, rows bs[t] .. B-1. The gate buffers are reused between calls, so their padding holds old values."""
        B = arr.shape[1]
        for t, n in enumerate(bs):
            if n == B:
                continue
            if buf.HAVE_NUMPY and not isinstance(arr, memoryview):
                arr[t, n:] = 0
            else:
                step = buf.take(arr, t)
                for j in range(n, B):
                    row = buf.take(step, j).cast("B")
                    row[:] = bytes(len(row))

    def __repr__(self):
        extra = "".join(", %s=%r" % (k, getattr(self, k)) for k, default in
                        (("num_layers", 1), ("dropout", 0.0), ("batch_first", False)) if getattr(self, k) != default)
        return "%s(input_size=%d, hidden_size=%d, bidirectional=%s, dtype=%r%s)" % (
            type(self).__name__, self.input_size, self.hidden_size, self.bidirectional, self.dtype, extra)


class RNN(_Layer):
    """Elman RNN with tanh, PyTorch-compatible (``torch.nn.RNN(nonlinearity='tanh')``).

    Parameters
    ----------
    input_size : int, I
    hidden_size : int, H
    bidirectional : bool, D = 2 if True else 1
    dtype : {"float64", "float32"}
    seed : int or None, for the uniform(-1/sqrt(H), 1/sqrt(H)) initialisation and the dropout masks
    num_layers : int, L (keyword): stacked layers, layer k > 0 reading layer k-1's output (D*H inputs)
    dropout : float in [0, 1) (keyword): dropout on each layer's output but the last's, in training mode only
        (``train()``, the default, / ``eval()``), as torch.nn.RNN applies it
    batch_first : bool (keyword): x (B, T, I) and y (B, T, D*H) instead of time-major (states stay (D*L, B, H))

    Equations::

        h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
    """

    cell = "rnn"


class LSTM(_Layer):
    """Long short-term memory, PyTorch-compatible (``torch.nn.LSTM``); parameters as ``RNN``.

    Gate blocks in the rows of the weights: i, f, g, o.

    Equations::

        i_t = sigmoid(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)
        f_t = sigmoid(W_if x_t + b_if + W_hf h_{t-1} + b_hf)
        g_t = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)
        o_t = sigmoid(W_io x_t + b_io + W_ho h_{t-1} + b_ho)
        c_t = f_t * c_{t-1} + i_t * g_t
        h_t = o_t * tanh(c_t)
    """

    cell = "lstm"


class GRU(_Layer):
    """Gated recurrent unit, PyTorch-compatible (``torch.nn.GRU``); parameters as ``RNN``.

    Gate blocks in the rows of the weights: r, z, n; r multiplies (W_hn h_{t-1} + b_hn).

    Equations::

        r_t = sigmoid(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)
        z_t = sigmoid(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)
        n_t = tanh(W_in x_t + b_in + r_t * (W_hn h_{t-1} + b_hn))
        h_t = (1 - z_t) * n_t + z_t * h_{t-1}
    """

    cell = "gru"
