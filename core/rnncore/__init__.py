"""rnncore: RNN (tanh), LSTM and GRU with backpropagation through time, compiled with Cython.

Design
------
A. ``api.py`` (the only module the site and the tests import, re-exported here): the public classes ``RNN``,
   ``LSTM``, ``GRU``. Every argument is validated (rank, shape, dtype, contiguity, writability, NaN/inf, sizes,
   call order) with a ValueError/TypeError naming the argument with the expected and actual shape, because
   the kernels run with bounds checks off. A route is picked by size: one sequence kernel call per direction and
   phase, or (numpy present, per-step products beyond ``BLAS_MIN_MACS``) a Python time loop where numpy's BLAS
   does the products and the step kernels the gate arithmetic. ``forward`` is one compiled call,
   ``_stack.pyx``: its checks, its allocations and every layer and direction (the cells' forward kernels as C
   function pointers, ``cells/_seq.pxd``), back in ``api`` only to convert or explain a bad input and for the
   BLAS route; ``_stack`` also holds the compiled check ``api`` runs on the arrays of other calls and the row
   reordering of variable-length batches.
B. ``cells/{rnn,lstm,gru}.pyx``: ``<cell>_seq_fwd`` / ``<cell>_seq_bwd`` do a whole direction in one call with
   their own matrix products (they also run in WebAssembly, without BLAS): the input projection for all steps
   (or, LSTM from 8 batch rows, each step's whole pre-activation in one product), the time loop, and in
   backward the weight gradients and ``dx`` over all steps at once (``cells/_bptt.pxd``, shared by the three).
   With lengths (rows sorted by decreasing length in ``api``), a step runs only its first ``bs[t]`` rows and the
   all-steps products read the rows that ran, packed (``cells/_steps.pxd``, ``_bptt.pxd``).
   ``<cell>_step_fwd`` / ``<cell>_step_bwd`` do one step's elementwise part. The ``.pxd`` beside each holds the
   per-row step functions with the numbered equations; backward comments cite those numbers.
C. ``_activations.pxd``: branch-free sigmoid/tanh/exp the compiler vectorises (no libm in hot loops), with their
   tested error bound; ``_ops.pxd``: vectorisable axpy / gemv and register-tiled matrix-product blocks;
   ``_ops.pyx``: array kernels usable without numpy (NaN counts, copies, a dense layer);
   ``_types.pxd``: ``real`` = float | double. On x86-64 setup.py also builds the kernel modules for AVX2+FMA (``*_avx2``) and AVX-512
   (``*_avx512``); ``api`` loads the best build this CPU runs (``rnncore.api.SIMD``; ``RNNCORE_SIMD=baseline``
   caps it). WebAssembly gets the portable sources only.
D. ``_buffers.py``: arrays with or without numpy (ndarrays, or shaped memoryviews over a ``bytearray``).
E. ``reference.py``: the readable numpy oracle the tests trust and the lessons quote.
F. ``train.py``, ``optim.py``, ``tasks.py`` (losses and the loop, optimisers, toy tasks), ``demos.py`` and
   ``apps.py`` (JSON functions for the site's demos; ``_requests.py``: their argument checks and the store of the
   models a page sends once), ``worker.py`` (the engine worker's Python, which holds that store) and ``course.py``
   (every number the lessons show) build on A and D only.

Conventions (stated once, here)
-------------------------------
- Time-major data: ``x`` of shape (T, B, I) (steps, batch, input size); outputs ``y`` of shape (T, B, D*H) with
  D = 2 when bidirectional (forward direction in columns [0, H), reverse direction in [H, 2H), each at the time
  step of the input it read); ``batch_first=True`` swaps the first two axes of x, y and their gradients, as
  PyTorch's. States ``h`` (and LSTM ``c``) of shape (D*L, B, H) for L = ``num_layers``, entry k*D + d being layer
  k's direction d (PyTorch's order).
- Variable-length batches: ``forward(x, state, lengths)`` gives what PyTorch's ``pack_padded_sequence(x, lengths,
  enforce_sorted=False)`` -> RNN -> ``pad_packed_sequence(..., total_length=T)`` gives: y zero past each end, each
  sequence's final state taken at its last real step, the reverse direction starting there; ``backward`` ignores
  dy past each end. The kernels run only the rows still going at each step (cells/_steps.pxd).
- Stacked layers: layer k > 0 reads layer k-1's y (D*H inputs), through dropout in training mode (``train()`` /
  ``eval()``, the masks drawn from the model's seeded generator).
- Parameters are PyTorch's, by name, shape and gate order: ``weight_ih_l{k}`` (G*H, I_k), ``weight_hh_l{k}``
  (G*H, H), ``bias_ih_l{k}`` (G*H,), ``bias_hh_l{k}`` (G*H,) for each layer k (I_0 = I, I_k = D*H above), plus the
  same names with ``_reverse`` when bidirectional; G = 1 (RNN), 4 (LSTM, gate blocks i, f, g, o), 3 (GRU, gate
  blocks r, z, n, with r multiplying ``W_hn h + b_hn``).
  A PyTorch ``state_dict`` exported with numpy loads as is (``load_state_dict``, ``LSTM.load("f.npz")``).
- dtype float32 or float64, chosen per model; inputs of a floating array type must have the model's dtype
  (nested lists are converted).
- Without numpy: inputs may be nested lists or buffers (``array.array``, ``memoryview``); outputs, ``params`` and
  gradients are shaped ``memoryview``s: ``.tolist()`` equals the numpy result's, elements read and write with
  ``m.params[name][i, j] = v`` (row/column slices are not supported by memoryview: use ``load_state_dict``).

Equations::

    RNN:   h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)
    LSTM:  i_t = sigmoid(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)
           f_t = sigmoid(W_if x_t + b_if + W_hf h_{t-1} + b_hf)
           g_t = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)
           o_t = sigmoid(W_io x_t + b_io + W_ho h_{t-1} + b_ho)
           c_t = f_t * c_{t-1} + i_t * g_t
           h_t = o_t * tanh(c_t)
    GRU:   r_t = sigmoid(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)
           z_t = sigmoid(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)
           n_t = tanh(W_in x_t + b_in + r_t * (W_hn h_{t-1} + b_hn))
           h_t = (1 - z_t) * n_t + z_t * h_{t-1}

Debugging: ``RNNCORE_DEBUG=1 make core`` compiles with bounds, wraparound and initialisation checks on.

Usage::

    import rnncore
    m = rnncore.LSTM(input_size=3, hidden_size=8, dtype="float64", seed=0)
    y, (h, c) = m.forward(x)                       # x (T, B, 3) -> y (T, B, 8)
    grads, dx, (dh0, dc0) = m.backward(dy)         # dy (T, B, 8)
    m.gates["f"], m.grad_h_norms
    m2 = rnncore.GRU(3, 8, num_layers=2, dropout=0.1, batch_first=True, seed=0)
    y, h = m2.forward(xb, lengths=[5, 2])          # xb (2, 5, 3); h (2, 2, 8)
"""
from rnncore.api import GRU, LSTM, RNN, param_count
from rnncore import tasks, train
from rnncore.tasks import AddingProblem, CharText, NoisySine, RecallTask, make_task
from rnncore.train import SGD, Adam, Linear, Trainer, clip_grad_norm, fit, mse_loss, softmax_cross_entropy

__all__ = ["RNN", "LSTM", "GRU", "param_count", "train", "tasks",
           "mse_loss", "softmax_cross_entropy", "Linear", "SGD", "Adam", "clip_grad_norm", "Trainer", "fit",
           "AddingProblem", "RecallTask", "NoisySine", "CharText", "make_task"]
__version__ = "0.1.0"
