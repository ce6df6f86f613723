"""Every number the course's pages and exported quizzes show, computed by the core: plain numbers and lists.

The site (``sequencehub.macros``) formats these and places them on the pages; it does no arithmetic of its own.
Nothing here makes markup, and nothing falls back to other arithmetic: the worked examples, the gradient norms
and the training race run the compiled classes of ``rnncore.api`` (through ``rnncore.demos`` where a demo shows
the same quantity, so a page and its demo agree), and ``tests/site/test_content.py`` checks them against the
numpy oracle ``rnncore.reference``.

This module runs at build time, natively. It needs numpy only for the random recurrent matrices of the
spectral-radius experiment (``grad_norms``: numpy's generator and eigenvalues fix the page's numbers).

Families
--------
- sizes: ``param_count`` (stacked layers too), ``param_shapes``, ``step_flops``, ``state_bytes``, ``kv_cache_bytes``
- worked examples: ``RNN_EXAMPLE`` / ``rnn_example()`` / ``rnn_states(xs)``, ``LSTM_EXAMPLE`` / ``lstm_example()``
- gradients through time: ``grad_norms``, ``lab_norms``, ``spectral_radius``, ``dtanh_max``, ``dsigmoid_max``
- the training race: ``race_losses``, ``race_summary``
- the shipped text model: ``charlm_facts(model)`` from the model file's own metadata
- generated quiz items: ``quiz_instance(kind, seed)``
"""
import functools
import math

from rnncore import api, demos

GATES = api.GATES                                  # gate blocks each weight stacks: RNN 1, LSTM 4, GRU 3
STATE_TENSORS = {"rnn": 1, "gru": 1, "lstm": 2}     # tensors of state per layer and direction: h, or (h, c)

_CLASSES = {"rnn": api.RNN, "lstm": api.LSTM, "gru": api.GRU}


def _cell(cell):
    if cell not in GATES:
        raise ValueError(f"cell must be one of {', '.join(sorted(GATES))}; got {cell!r}")
    return cell


def _check_positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive int; got {value!r}")
    return value


# ------------------------------------------------------------------------------------------------------- sizes
def param_count(cell, input_size, hidden_size, bidirectional=False, num_layers=1):
    """Trainable parameters of a stack of ``num_layers`` PyTorch-layout layers (layer k > 0 reads D*H inputs)."""
    _check_positive_int("num_layers", num_layers)
    D = 2 if bidirectional else 1
    total = api.param_count(_cell(cell), input_size, hidden_size, bidirectional=bool(bidirectional))
    for _ in range(1, num_layers):
        total += api.param_count(cell, D * hidden_size, hidden_size, bidirectional=bool(bidirectional))
    return total


def param_shapes(cell, input_size, hidden_size):
    """{PyTorch name: shape} of one layer, as the core allocates it."""
    model = _CLASSES[_cell(cell)](input_size=input_size, hidden_size=hidden_size)
    return {name: tuple(p.shape) for name, p in model.params.items()}


def step_flops(cell, input_size, hidden_size):
    """Floating-point operations of one step of one layer: 2 per multiply-add of W_ih x and W_hh h."""
    return 2 * GATES[_cell(cell)] * hidden_size * (input_size + hidden_size)


def state_bytes(cell, hidden_size, num_layers=1, bytes_per_value=2):
    """Bytes of recurrent state one stream carries between steps: h (and c for an LSTM) per layer."""
    return STATE_TENSORS[_cell(cell)] * hidden_size * num_layers * bytes_per_value


def kv_cache_bytes(tokens, num_layers, d_model, bytes_per_value=2):
    """Bytes of a Transformer decoder's key-value cache after ``tokens`` tokens (one key, one value per layer)."""
    return 2 * num_layers * tokens * d_model * bytes_per_value


# --------------------------------------------------------------------------------------------- worked examples
#: the hidden-state lesson's tiny RNN: input size 1, hidden size 2 (b is b_ih + b_hh)
RNN_EXAMPLE = {"W_ih": [[0.5], [-1.0]], "W_hh": [[0.8, -0.4], [0.3, 0.6]], "b": [0.0, 0.2], "x": [1.0, 0.5, -1.0]}

#: the LSTM lesson's one-unit LSTM (input size 1, hidden size 1), gate order i, f, g, o; b is b_ih + b_hh
LSTM_EXAMPLE = {"w_ih": {"i": 0.5, "f": 0.4, "g": 1.0, "o": 0.8}, "w_hh": {"i": 0.3, "f": 0.2, "g": -0.5, "o": 0.1},
                "b": {"i": 0.0, "f": 1.0, "g": 0.0, "o": 0.0}, "x": [1.0, 0.5, -1.0]}


def _rnn_example_model():
    ex = RNN_EXAMPLE
    model = api.RNN(input_size=1, hidden_size=2, dtype="float64")
    model.load_state_dict({"weight_ih_l0": ex["W_ih"], "weight_hh_l0": ex["W_hh"], "bias_ih_l0": ex["b"],
                           "bias_hh_l0": [0.0, 0.0]})
    return model


def rnn_states(xs):
    """h_1 .. h_T (T lists of 2 numbers) of the hidden-state lesson's RNN reading the inputs ``xs`` from h_0 = 0."""
    y, _ = _rnn_example_model().forward([[[float(x)]] for x in xs])
    return [row[0] for row in y.tolist()]


def rnn_example():
    """The worked example: {"x": inputs, "h": [h_0 = 0, h_1, ..., h_T], "a": [a_1, ..., a_T]} where
    a_t = W_ih x_t + W_hh h_{t-1} + b is the pre-activation the lesson writes out before tanh."""
    ex = RNN_EXAMPLE
    h = [[0.0, 0.0]] + rnn_states(ex["x"])
    a = [[w_ih[0] * x + sum(w * v for w, v in zip(w_hh, h[t])) + b
          for w_ih, w_hh, b in zip(ex["W_ih"], ex["W_hh"], ex["b"])] for t, x in enumerate(ex["x"])]
    return {"x": list(ex["x"]), "h": h, "a": a}


def rnn_memory(steps):
    """||h_t(x_1 = 1) - h_t(x_1 = -1)|| for each t in ``steps``, the inputs after x_1 being 0: how much of the
    first input the tiny RNN still carries t steps later."""
    T = max(steps)
    plus = rnn_states([1.0] + [0.0] * (T - 1))
    minus = rnn_states([-1.0] + [0.0] * (T - 1))
    return [math.dist(plus[t - 1], minus[t - 1]) for t in steps]


def lstm_example():
    """The one-unit LSTM's gates and states per step: [{"x", "i", "f", "g", "o", "c", "h"}] for t = 1..T."""
    ex = LSTM_EXAMPLE
    model = api.LSTM(input_size=1, hidden_size=1, dtype="float64")
    model.load_state_dict({"weight_ih_l0": [[ex["w_ih"][k]] for k in "ifgo"],
                           "weight_hh_l0": [[ex["w_hh"][k]] for k in "ifgo"],
                           "bias_ih_l0": [ex["b"][k] for k in "ifgo"], "bias_hh_l0": [0.0] * 4})
    y, _ = model.forward([[[x]] for x in ex["x"]])
    gates = {k: v.tolist() for k, v in model.gates.items()}          # (T, 1, 1) each
    h = y.tolist()
    return [dict({k: gates[k][t][0][0] for k in "ifgoc"}, h=h[t][0][0], x=x) for t, x in enumerate(ex["x"])]


# ------------------------------------------------------------------------------------- gradients through time
def _experiment_weights(rho, steps, hidden, seed):
    """The spectral-radius experiment's tanh RNN: W_hh random with spectral radius ``rho``, W_ih, and x (T, 1, 1)."""
    import numpy as np

    w = np.random.default_rng(seed).standard_normal((hidden, hidden))
    w_hh = w * (rho / max(abs(np.linalg.eigvals(w))))
    rng = np.random.default_rng(seed + 1)
    w_ih = rng.standard_normal((hidden, 1)) * 0.5
    x = rng.standard_normal((steps, 1)).reshape(steps, 1, 1)
    return w_ih, w_hh, x


def grad_norms(rho, steps=50, hidden=32, seed=0):
    """||dL/dh_t|| for t = 1..T of a tanh RNN (no biases) whose W_hh has spectral radius ``rho``, L = sum(h_T)."""
    w_ih, w_hh, x = _experiment_weights(float(rho), steps, hidden, seed)
    model = api.RNN(input_size=1, hidden_size=hidden, dtype="float64")
    zeros = [0.0] * hidden
    model.load_state_dict({"weight_ih_l0": w_ih, "weight_hh_l0": w_hh, "bias_ih_l0": zeros, "bias_hh_l0": zeros})
    model.forward(x)
    model.backward([[[0.0] * hidden]] * steps, [[[1.0] * hidden]])         # dL/dh_T = 1: L = sum(h_T)
    return model.grad_h_norms.tolist()


def lab_norms(cell, length=100, scale=1.0, gate_bias=2.0):
    """||dL/dh_t|| for t = 1..T exactly as the vanishing-gradient lab computes them (``demos.gradient_norms``)."""
    return demos.gradient_norms(length=length, scale=scale, gate_bias=gate_bias, cells=(_cell(cell),))["norms"][cell]


def spectral_radius(matrix):
    """max |eigenvalue| of a small square matrix given as nested lists."""
    import numpy as np

    return float(max(abs(np.linalg.eigvals(np.array(matrix, dtype=float)))))


def _grid(n=12001, lo=-6.0, hi=6.0):
    return [lo + (hi - lo) * k / (n - 1) for k in range(n)]


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def dtanh(x):
    """tanh'(x) = 1 - tanh(x)^2."""
    return 1.0 - math.tanh(x) ** 2


def dtanh_max():
    """max of tanh' over a grid on [-6, 6] (reached at x = 0)."""
    return max(dtanh(x) for x in _grid())


def dsigmoid_max():
    """max of sigmoid' = s (1 - s) over a grid on [-6, 6] (reached at x = 0)."""
    return max(sigmoid(x) * (1.0 - sigmoid(x)) for x in _grid())


def decay(rho, steps):
    """rho ** steps: the bound on how much a gradient shrinks (rho < 1) or grows (rho > 1) over ``steps`` steps;
    also what a constant forget gate rho keeps of c_0 after ``steps`` steps."""
    return float(rho) ** int(steps)


def steps_until(rho, factor):
    """The fewest steps after which rho ** steps falls below ``factor`` (rho < 1) or rises above it (rho > 1)."""
    return math.ceil(math.log(factor) / math.log(rho))


def clip_scale(norm, threshold):
    """The factor clip-by-norm multiplies a gradient of norm ``norm`` by."""
    return min(1.0, threshold / norm)


# ------------------------------------------------------------------------------------------------ training race
@functools.lru_cache(maxsize=8)
def _race(task, delay, updates):
    races = demos.Races()
    race = demos.race_init(task=task, delay=delay, races=races)
    losses = {}
    for _ in range(0, updates, 20):
        for cell, values in demos.race_step(race["id"], 20, races)["losses"].items():
            losses.setdefault(cell, []).extend(values)
    return race["baseline"], {cell: tuple(v) for cell, v in losses.items()}


def race_losses(task="adding", delay=20, updates=600):
    """The training race run natively exactly as the demo runs it: {"baseline": float, "losses": {cell: [...]}}."""
    baseline, losses = _race(task, int(delay), int(updates))
    return {"baseline": baseline, "losses": {cell: list(v) for cell, v in losses.items()}}


def race_summary(cell, task="adding", delay=20, updates=600, window=20):
    """One cell's race in three numbers: {"learned_at": the first update after which its mean loss over ``window``
    updates is below half the baseline (None if never), "final_loss": its mean loss over the last ``window``,
    "updates": how many ran, "baseline": the trivial guess' loss}."""
    race = race_losses(task, delay, updates)
    values = race["losses"][_cell(cell)]
    learned = next((end for end in range(window, len(values) + 1)
                    if sum(values[end - window:end]) / window < race["baseline"] / 2), None)
    return {"learned_at": learned, "final_loss": sum(values[-window:]) / window, "updates": len(values),
            "baseline": race["baseline"]}


# ------------------------------------------------------------------------------------------- shipped text model
def charlm_facts(model):
    """Facts about the text-generation model from its file's own metadata (``charlm.json`` as a dict):
    {"vocab", "hidden", "steps", "seq_len", "params"}; params counts the LSTM's and the readout's arrays."""
    vocab, hidden = len(model["vocab"]), int(model["hidden_size"])
    arrays = list(model["lstm"].values()) + list(model["out"].values())
    return {"vocab": vocab, "hidden": hidden, "steps": int(model["training"]["steps"]),
            "seq_len": int(model["training"]["seq_len"]), "params": sum(_size(a) for a in arrays)}


def _size(nested):
    return sum(_size(v) for v in nested) if isinstance(nested, list) else 1


# ------------------------------------------------------------------------------------------ generated quiz items
def quiz_instance(kind, seed=0):
    """One instance of a generated quiz item, for the LMS exports: {"kind", "numbers", "value", "tolerance"}."""
    item = demos.quiz_item(kind, seed)
    graded = demos.quiz_grade(kind, seed, "0")
    return {"kind": kind, "numbers": item["numbers"], "value": graded["expected"], "tolerance": item["tolerance"]}
