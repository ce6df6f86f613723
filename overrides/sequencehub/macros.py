"""Numbers shown on the lesson pages, computed at build time (mkdocs-macros module).

Every derived number a lesson shows -- a parameter count, a worked example's hidden state, a gradient decay
factor, the bytes of state an RNN keeps per step -- comes from a function here, called from Markdown as
``{{ param_count("gru", 128, 256) }}``. Nothing derived is typed by hand.

Where the compute core ``rnncore`` provides the number (parameter counts, cell forward passes, gradient norms
through time) it is asked; until a given part of its API is importable, a small numpy version of the same
equations (PyTorch layout and gate order: LSTM ``i, f, g, o``; GRU ``r, z, n``) stands in, so the site builds
while the core is being written. ``core_status()`` reports which source each kind of number came from.

Conventions match the core and the lessons: ``W_ih`` of shape (G*H, I), ``W_hh`` of shape (G*H, H), two biases
``b_ih`` and ``b_hh`` of shape (G*H,), with G = 1 (RNN), 3 (GRU) or 4 (LSTM).
"""
from __future__ import annotations

import functools
import math
import re
from pathlib import Path

import numpy as np

#: gates per cell: how many (H x ...) blocks W_ih, W_hh, b_ih and b_hh stack
GATES = {"rnn": 1, "gru": 3, "lstm": 4}

#: tensors of state per layer and direction: h for RNN and GRU, (h, c) for LSTM
STATE_TENSORS = {"rnn": 1, "gru": 1, "lstm": 2}

_SOURCES: dict[str, str] = {}


def _cell(cell: str) -> str:
    key = str(cell).lower()
    if key not in GATES:
        raise ValueError(f"unknown cell {cell!r}: expected one of {sorted(GATES)}")
    return key


def _core():
    """The compiled core's public API (``rnncore``, or ``rnncore.api`` while the package does not re-export it)."""
    try:
        import rnncore  # noqa: PLC0415 - optional at build time while the core is written
    except ImportError:
        return None
    if hasattr(rnncore, "LSTM") and hasattr(rnncore, "param_count"):
        return rnncore
    try:
        from rnncore import api  # noqa: PLC0415
    except ImportError:
        return None
    return api


def _reference():
    """rnncore.reference (the numpy oracle the lessons quote) if importable, else None."""
    try:
        from rnncore import reference  # noqa: PLC0415
    except ImportError:
        return None
    return reference


# --------------------------------------------------------------------------------------------------------------
# Parameter counts
# --------------------------------------------------------------------------------------------------------------

def _param_count_formula(cell: str, input_size: int, hidden_size: int, bidirectional: bool, num_layers: int) -> int:
    g, h, i = GATES[cell], int(hidden_size), int(input_size)
    dirs = 2 if bidirectional else 1
    total = 0
    for layer in range(int(num_layers)):
        layer_in = i if layer == 0 else dirs * h
        total += dirs * g * h * (layer_in + h + 2)   # W_ih, W_hh, b_ih, b_hh
    return total


def param_count(cell: str, input_size: int, hidden_size: int, bidirectional: bool = False,
                num_layers: int = 1) -> int:
    """Trainable parameters of a PyTorch-layout recurrent layer (two bias vectors per gate block)."""
    cell = _cell(cell)
    core = _core()
    if num_layers == 1 and core is not None and hasattr(core, "param_count"):
        _SOURCES["param_count"] = "rnncore.param_count"
        return int(core.param_count(cell, int(input_size), int(hidden_size), bidirectional=bool(bidirectional)))
    if num_layers == 1 and core is not None and hasattr(core, cell.upper()):
        model = getattr(core, cell.upper())(input_size=int(input_size), hidden_size=int(hidden_size),
                                            bidirectional=bool(bidirectional))
        _SOURCES["param_count"] = "rnncore model params"
        return int(sum(_size(p) for p in model.params.values()))
    _SOURCES["param_count"] = "formula"
    return _param_count_formula(cell, input_size, hidden_size, bidirectional, num_layers)


def _size(arr) -> int:
    shape = getattr(arr, "shape", None)
    if shape is None:
        return len(arr)
    return int(np.prod(shape))


def param_ratio(cell_a: str, cell_b: str, input_size: int, hidden_size: int, digits: int = 2) -> float:
    """param_count(cell_a) / param_count(cell_b) at the same sizes."""
    return round(param_count(cell_a, input_size, hidden_size) / param_count(cell_b, input_size, hidden_size), digits)


def param_table(input_size: int, hidden_size: int) -> str:
    """A Markdown table: RNN, GRU and LSTM parameter counts at one input and hidden size, with the GRU/LSTM ratio."""
    lstm = param_count("lstm", input_size, hidden_size)
    rows = [
        "| Cell | Gate blocks | Formula | Parameters | vs LSTM |",
        "|:-----|:-----------:|:--------|-----------:|--------:|",
    ]
    for cell, name in (("rnn", "RNN"), ("gru", "GRU"), ("lstm", "LSTM")):
        n = param_count(cell, input_size, hidden_size)
        g = GATES[cell]
        mult = "" if g == 1 else f"{g}"
        formula = f"${mult}H(I+H+2)$"
        rows.append(f"| {name} | {g} | {formula} | {n:,} | {n / lstm:.0%} |")
    return "\n".join(rows)


def param_breakdown(cell: str, input_size: int, hidden_size: int) -> str:
    """A Markdown table of one cell's tensors: PyTorch name, shape and size."""
    cell = _cell(cell)
    g, i, h = GATES[cell], int(input_size), int(hidden_size)
    core = _core()
    shapes = None
    if core is not None and hasattr(core, cell.upper()):
        try:
            model = getattr(core, cell.upper())(input_size=i, hidden_size=h)
            shapes = {k: tuple(getattr(v, "shape", (len(v),))) for k, v in model.params.items()}
        except Exception:  # noqa: BLE001 - core still being written: fall back to the layout below
            shapes = None
    if not shapes:
        shapes = {"weight_ih_l0": (g * h, i), "weight_hh_l0": (g * h, h), "bias_ih_l0": (g * h,),
                  "bias_hh_l0": (g * h,)}
    rows = ["| Tensor | Shape | Size |", "|:-------|:------|-----:|"]
    total = 0
    for name, shape in shapes.items():
        size = int(np.prod(shape))
        total += size
        rows.append(f"| `{name}` | ({', '.join(str(s) for s in shape)}) | {size:,} |")
    rows.append(f"| **total** | | **{total:,}** |")
    return "\n".join(rows)


# --------------------------------------------------------------------------------------------------------------
# Tiny worked examples (the same equations as rnncore.reference)
# --------------------------------------------------------------------------------------------------------------

#: the hidden-state lesson's tiny RNN: input size 1, hidden size 2 (b is b_ih + b_hh)
RNN_EXAMPLE = {
    "W_ih": [[0.5], [-1.0]],
    "W_hh": [[0.8, -0.4], [0.3, 0.6]],
    "b": [0.0, 0.2],
    "x": [1.0, 0.5, -1.0],
}

#: the LSTM lesson's one-unit LSTM (input size 1, hidden size 1), gate order i, f, g, o; b is b_ih + b_hh
LSTM_EXAMPLE = {
    "w_ih": {"i": 0.5, "f": 0.4, "g": 1.0, "o": 0.8},
    "w_hh": {"i": 0.3, "f": 0.2, "g": -0.5, "o": 0.1},
    "b": {"i": 0.0, "f": 1.0, "g": 0.0, "o": 0.0},
    "x": [1.0, 0.5, -1.0],
}


def _sigmoid(v):
    return 1.0 / (1.0 + np.exp(-v))


def _rnn_trace_numpy() -> list[np.ndarray]:
    ex = RNN_EXAMPLE
    w_ih, w_hh, b = np.array(ex["W_ih"]), np.array(ex["W_hh"]), np.array(ex["b"])
    h = np.zeros(2)
    out = [h]
    for x in ex["x"]:
        h = np.tanh(w_ih @ np.array([x]) + w_hh @ h + b)
        out.append(h)
    return out


def _rnn_trace_core(core) -> list[np.ndarray] | None:
    """The tiny RNN run by the compiled core: [h_0, h_1, ..., h_T]."""
    try:
        ex = RNN_EXAMPLE
        model = core.RNN(input_size=1, hidden_size=2, dtype="float64", seed=0)
        model.load_state_dict({"weight_ih_l0": ex["W_ih"], "weight_hh_l0": ex["W_hh"], "bias_ih_l0": ex["b"],
                               "bias_hh_l0": [0.0, 0.0]})
        y, _ = model.forward([[[x]] for x in ex["x"]])
        y = np.asarray(y).reshape(len(ex["x"]), 2)
        return [np.zeros(2)] + [y[t] for t in range(len(ex["x"]))]
    except Exception:  # noqa: BLE001 - core API still landing: the reference computes it instead
        return None


def _rnn_trace() -> list[np.ndarray]:
    core = _core()
    if core is not None and hasattr(core, "RNN"):
        trace = _rnn_trace_core(core)
        if trace is not None:
            ref = _rnn_trace_numpy()
            if all(np.allclose(a, b, atol=1e-9) for a, b in zip(trace, ref)):
                _SOURCES["rnn_example"] = "rnncore.RNN (compiled), checked against the equations"
                return trace
    ref = _reference()
    if ref is not None:
        ex = RNN_EXAMPLE
        x = np.array(ex["x"], dtype=np.float64).reshape(-1, 1, 1)
        y, _, _ = ref.rnn_forward(x, np.zeros((1, 2)), np.array(ex["W_ih"], float), np.array(ex["W_hh"], float),
                                  np.array(ex["b"], float), np.zeros(2))
        _SOURCES["rnn_example"] = "rnncore.reference.rnn_forward"
        return [np.zeros(2)] + [y[t, 0] for t in range(y.shape[0])]
    _SOURCES["rnn_example"] = "numpy"
    return _rnn_trace_numpy()


def _fmt(v: float, digits: int) -> str:
    s = f"{v:.{digits}f}"
    return "0." + "0" * digits if s.startswith("-") and float(s) == 0 else s


def rnn_example_latex() -> str:
    """The tiny RNN's weights and inputs as display LaTeX."""
    ex = RNN_EXAMPLE

    def mat(rows):
        return r"\begin{bmatrix}" + r"\\".join(" & ".join(_num(v) for v in row) for row in rows) + r"\end{bmatrix}"

    xs = ",\\ ".join(f"x_{t + 1} = {_num(v)}" for t, v in enumerate(ex["x"]))
    return (r"\begin{gathered}"
            f"W_{{ih}} = {mat(ex['W_ih'])},\\quad W_{{hh}} = {mat(ex['W_hh'])},\\quad "
            f"b = {mat([[v] for v in ex['b']])},\\quad h_0 = \\mathbf{{0}},"
            r"\\[6pt]" f"{xs}" r"\end{gathered}")


def _num(v: float) -> str:
    return f"{v:g}"


def rnn_h(t: int, unit: int, digits: int = 3) -> str:
    """Unit ``unit`` (0-based) of the tiny RNN's hidden state after step ``t`` (h_0 = 0)."""
    return _fmt(float(_rnn_trace()[int(t)][int(unit)]), digits)


def rnn_preact(t: int, unit: int, digits: int = 3) -> str:
    """The pre-activation a_t (before tanh) of the tiny RNN at step t."""
    ex = RNN_EXAMPLE
    trace = _rnn_trace()
    a = np.array(ex["W_ih"]) @ np.array([ex["x"][t - 1]]) + np.array(ex["W_hh"]) @ trace[t - 1] + np.array(ex["b"])
    return _fmt(float(a[int(unit)]), digits)


def rnn_example_table(digits: int = 3) -> str:
    """A Markdown table of the tiny RNN's hidden state at every step."""
    ex = RNN_EXAMPLE
    trace = _rnn_trace()
    rows = ["| $t$ | $x_t$ | $h_t[1]$ | $h_t[2]$ |", "|:---:|------:|---------:|---------:|"]
    rows.append(f"| 0 | | {_fmt(trace[0][0], digits)} | {_fmt(trace[0][1], digits)} |")
    for t, x in enumerate(ex["x"], start=1):
        rows.append(f"| {t} | {_num(x)} | {_fmt(trace[t][0], digits)} | {_fmt(trace[t][1], digits)} |")
    return "\n".join(rows)


def _rnn_states(xs: list[float]) -> np.ndarray:
    """h_1..h_T of the tiny RNN for any input list: the compiled core when importable, else the equations."""
    ex = RNN_EXAMPLE
    core = _core()
    if core is not None and hasattr(core, "RNN"):
        try:
            model = core.RNN(input_size=1, hidden_size=2, dtype="float64", seed=0)
            model.load_state_dict({"weight_ih_l0": ex["W_ih"], "weight_hh_l0": ex["W_hh"], "bias_ih_l0": ex["b"],
                                   "bias_hh_l0": [0.0, 0.0]})
            y, _ = model.forward([[[x]] for x in xs])
            return np.asarray(y).reshape(len(xs), 2)
        except Exception:  # noqa: BLE001 - core API still landing
            pass
    w_ih, w_hh, b = np.array(ex["W_ih"]), np.array(ex["W_hh"]), np.array(ex["b"])
    h, out = np.zeros(2), []
    for x in xs:
        h = np.tanh(w_ih @ np.array([x]) + w_hh @ h + b)
        out.append(h)
    return np.array(out)


def rnn_memory_table(steps=(1, 2, 5, 10, 20), digits: int = 2) -> str:
    """How much flipping x_1 from +1 to -1 still changes the tiny RNN's state t steps later (inputs after it 0)."""
    T = max(steps)
    plus = _rnn_states([1.0] + [0.0] * (T - 1))
    minus = _rnn_states([-1.0] + [0.0] * (T - 1))
    diff = np.linalg.norm(plus - minus, axis=1)
    head = "| step $t$ | " + " | ".join(str(t) for t in steps) + " |"
    rule = "|:--|" + "|".join("--:" for _ in steps) + "|"
    row = "| $\\lVert h_t(x_1{=}1) - h_t(x_1{=}{-1})\\rVert$ | " + " | ".join(
        _sci_md(float(diff[t - 1]), digits) for t in steps) + " |"
    return "\n".join([head, rule, row])


def _sci_md(v: float, digits: int) -> str:
    """A number for a Markdown table cell: plain when moderate, else $m \\times 10^{e}$."""
    s = _sci(v, digits)
    return f"${s}$" if "times" in s else s


def rnn_example_code() -> str:
    """Python for the playground that rebuilds the worked example's RNN in rnncore and prints its states,
    escaped for an HTML attribute (data-code)."""
    import html  # noqa: PLC0415

    ex = RNN_EXAMPLE
    xs = ", ".join(f"[[{x}]]" for x in ex["x"])
    code = "\n".join([
        "import rnncore",
        "",
        "# The worked example's RNN (I=1, H=2); b_ih + b_hh = b",
        "rnn = rnncore.RNN(input_size=1, hidden_size=2)",
        "rnn.load_state_dict({",
        f"    \"weight_ih_l0\": {ex['W_ih']},",
        f"    \"weight_hh_l0\": {ex['W_hh']},",
        f"    \"bias_ih_l0\": {ex['b']},",
        "    \"bias_hh_l0\": [0.0, 0.0],",
        "})",
        f"x = [{xs}]  # (T, B, I) = ({len(ex['x'])}, 1, 1)",
        "y, h_T = rnn.forward(x)",
        "for t, h in enumerate(y.tolist(), start=1):",
        "    print(f\"h_{t} =\", [round(v, 3) for v in h[0]])",
        "rnn.num_parameters",
    ])
    return html.escape(code, quote=True).replace("\n", "&#10;")


def _lstm_trace_numpy() -> list[dict[str, float]]:
    ex = LSTM_EXAMPLE
    h = c = 0.0
    out = []
    for x in ex["x"]:
        pre = {k: ex["w_ih"][k] * x + ex["w_hh"][k] * h + ex["b"][k] for k in "ifgo"}
        i, f, o = (float(_sigmoid(pre[k])) for k in "ifo")
        g = math.tanh(pre["g"])
        c = f * c + i * g
        h = o * math.tanh(c)
        out.append({"i": i, "f": f, "g": g, "o": o, "c": c, "h": h, "x": x})
    return out


def _lstm_trace_core(core) -> list[dict[str, float]] | None:
    """The one-unit LSTM run by the compiled core: gates i, f, g, o, states c, h per step."""
    try:
        ex = LSTM_EXAMPLE
        model = core.LSTM(input_size=1, hidden_size=1, dtype="float64", seed=0)
        model.load_state_dict({"weight_ih_l0": [[ex["w_ih"][k]] for k in "ifgo"],
                               "weight_hh_l0": [[ex["w_hh"][k]] for k in "ifgo"],
                               "bias_ih_l0": [ex["b"][k] for k in "ifgo"], "bias_hh_l0": [0.0] * 4})
        y, _ = model.forward([[[x]] for x in ex["x"]])
        y = np.asarray(y).reshape(-1)
        gates = {k: np.asarray(v).reshape(-1) for k, v in model.gates.items()}
        trace = [{"i": float(gates["i"][t]), "f": float(gates["f"][t]), "g": float(gates["g"][t]),
                  "o": float(gates["o"][t]), "c": float(gates["c"][t]), "h": float(y[t]), "x": x}
                 for t, x in enumerate(ex["x"])]
        ref = _lstm_trace_numpy()
        if not all(abs(a[k] - b[k]) < 1e-9 for a, b in zip(trace, ref) for k in "ifgoch"):
            return None
        return trace
    except Exception:  # noqa: BLE001 - core API still landing: the reference computes it instead
        return None


def _lstm_trace() -> list[dict[str, float]]:
    core = _core()
    if core is not None and hasattr(core, "LSTM"):
        trace = _lstm_trace_core(core)
        if trace is not None:
            _SOURCES["lstm_example"] = "rnncore.LSTM (compiled), checked against the equations"
            return trace
    ref = _reference()
    trace = _lstm_trace_numpy()
    if ref is not None:
        ex = LSTM_EXAMPLE
        x = np.array(ex["x"], dtype=np.float64).reshape(-1, 1, 1)
        y, _, cache = ref.lstm_forward(x, np.zeros((1, 1)), np.zeros((1, 1)),
                                       np.array([[ex["w_ih"][k]] for k in "ifgo"]),
                                       np.array([[ex["w_hh"][k]] for k in "ifgo"]),
                                       np.array([ex["b"][k] for k in "ifgo"], float), np.zeros(4))
        cs, gates = cache[2], cache[3]
        _SOURCES["lstm_example"] = "rnncore.reference.lstm_forward"
        return [{"i": float(gates[t][0][0, 0]), "f": float(gates[t][1][0, 0]), "g": float(gates[t][2][0, 0]),
                 "o": float(gates[t][3][0, 0]), "c": float(cs[t][0, 0]), "h": float(y[t, 0, 0]),
                 "x": ex["x"][t]} for t in range(len(ex["x"]))]
    _SOURCES["lstm_example"] = "numpy"
    return trace


def lstm_value(t: int, name: str, digits: int = 3) -> str:
    """Gate or state ``name`` (i, f, g, o, c, h) of the one-unit LSTM after step ``t`` (1-based)."""
    return _fmt(_lstm_trace()[int(t) - 1][name], digits)


def lstm_example_latex() -> str:
    """The one-unit LSTM's weights as display LaTeX (one row per gate)."""
    ex = LSTM_EXAMPLE
    names = {"i": "i", "f": "f", "g": "g", "o": "o"}
    cells = [f"w_{{i{names[k]}}} = {_num(ex['w_ih'][k])}, & w_{{h{names[k]}}} = {_num(ex['w_hh'][k])}, "
             f"& b_{names[k]} = {_num(ex['b'][k])}" for k in "ifgo"]
    return r"\begin{array}{lll}" + r"\\".join(cells) + r"\end{array}"


def lstm_example_table(digits: int = 3) -> str:
    """A Markdown table of the one-unit LSTM's gates and states at every step."""
    rows = ["| $t$ | $x_t$ | $i_t$ | $f_t$ | $g_t$ | $o_t$ | $c_t$ | $h_t$ |",
            "|:---:|------:|------:|------:|------:|------:|------:|------:|"]
    for t, r in enumerate(_lstm_trace(), start=1):
        vals = " | ".join(_fmt(r[k], digits) for k in "ifgoch")
        rows.append(f"| {t} | {_num(r['x'])} | {vals} |")
    return "\n".join(rows)


# --------------------------------------------------------------------------------------------------------------
# Gradients through time
# --------------------------------------------------------------------------------------------------------------

def decay(rho: float, steps: int, digits: int = 3) -> str:
    """rho ** steps, the bound on how much a gradient can shrink (rho < 1) or grow (rho > 1) over ``steps``."""
    v = float(rho) ** int(steps)
    return _sci(v, digits)


def _sci(v: float, digits: int) -> str:
    if v == 0:
        return "0"
    if 1e-3 <= abs(v) < 1e5:
        s = f"{v:.{digits}g}"
        return s
    mant, exp = f"{v:.{digits - 1}e}".split("e")
    return f"{mant} \\times 10^{{{int(exp)}}}"


def decay_value(rho: float, steps: int) -> float:
    """rho ** steps as a plain number (for quiz answers)."""
    return float(rho) ** int(steps)


def steps_until(rho: float, factor: float) -> int:
    """The fewest steps after which rho ** steps falls below ``factor`` (rho < 1) or rises above it (rho > 1)."""
    rho, factor = float(rho), float(factor)
    return math.ceil(math.log(factor) / math.log(rho))


def dtanh_max() -> str:
    """max over x of tanh'(x) = 1 - tanh(x)^2 (reached at x = 0), evaluated on a grid."""
    xs = np.linspace(-6, 6, 12001)
    return _fmt(float(np.max(1 - np.tanh(xs) ** 2)), 0)


def dsigmoid_max() -> str:
    """max over x of sigmoid'(x) (reached at x = 0), evaluated on a grid."""
    xs = np.linspace(-6, 6, 12001)
    s = _sigmoid(xs)
    return f"{float(np.max(s * (1 - s))):g}"


def dtanh_at(x: float, digits: int = 3) -> str:
    """tanh'(x) = 1 - tanh(x)^2."""
    return _fmt(1 - math.tanh(float(x)) ** 2, digits)


def _scaled_whh(hidden: int, rho: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((hidden, hidden))
    return w * (float(rho) / max(abs(np.linalg.eigvals(w))))


def _grad_norms_numpy(cell: str, rho: float, steps: int, hidden: int, seed: int) -> np.ndarray:
    """||dL/dh_t|| for t = 1..T of a tanh RNN whose W_hh has spectral radius rho, L = sum(h_T)."""
    rng = np.random.default_rng(seed + 1)
    w_hh = _scaled_whh(hidden, rho, seed)
    w_ih = rng.standard_normal((hidden, 1)) * 0.5
    xs = rng.standard_normal((steps, 1))
    hs = [np.zeros(hidden)]
    for t in range(steps):
        hs.append(np.tanh(w_ih @ xs[t] + w_hh @ hs[-1]))
    dh = np.ones(hidden)
    norms = [np.linalg.norm(dh)]
    for t in range(steps, 1, -1):
        dh = w_hh.T @ ((1 - hs[t] ** 2) * dh)      # dL/dh_{t-1} = W_hh^T diag(tanh') dL/dh_t
        norms.append(np.linalg.norm(dh))
    return np.array(norms[::-1])


def _grad_norms(rho: float, steps: int, hidden: int, seed: int) -> np.ndarray:
    """||dL/dh_t||, t = 1..T, for L = sum(h_T): from rnncore.reference's BPTT when importable."""
    core = _core()
    if core is not None and hasattr(core, "RNN"):
        try:
            rng = np.random.default_rng(seed + 1)
            w_hh = _scaled_whh(hidden, rho, seed)
            w_ih = rng.standard_normal((hidden, 1)) * 0.5
            xs = rng.standard_normal((steps, 1)).reshape(steps, 1, 1)
            model = core.RNN(input_size=1, hidden_size=hidden, dtype="float64", seed=0)
            model.load_state_dict({"weight_ih_l0": w_ih, "weight_hh_l0": w_hh, "bias_ih_l0": np.zeros(hidden),
                                   "bias_hh_l0": np.zeros(hidden)})
            model.forward(xs)
            model.backward(np.zeros((steps, 1, hidden)), np.ones((1, 1, hidden)))
            _SOURCES["grad_ratio"] = "rnncore.RNN.backward (compiled) grad_h_norms"
            return np.asarray(model.grad_h_norms)
        except Exception:  # noqa: BLE001 - core API still landing: the reference computes it instead
            pass
    ref = _reference()
    if ref is None:
        _SOURCES["grad_ratio"] = "numpy"
        return _grad_norms_numpy("rnn", rho, steps, hidden, seed)
    rng = np.random.default_rng(seed + 1)
    w_hh = _scaled_whh(hidden, rho, seed)
    w_ih = rng.standard_normal((hidden, 1)) * 0.5
    xs = rng.standard_normal((steps, 1)).reshape(steps, 1, 1)
    zeros = np.zeros(hidden)
    _, _, cache = ref.rnn_forward(xs, np.zeros((1, hidden)), w_ih, w_hh, zeros, zeros)
    _, _, _, norms = ref.rnn_backward(np.zeros((steps, 1, hidden)), np.ones((1, hidden)), cache)
    _SOURCES["grad_ratio"] = "rnncore.reference.rnn_backward"
    return np.asarray(norms)


def grad_ratio(rho: float, steps: int = 50, hidden: int = 32, seed: int = 0) -> str:
    """||dL/dh_1|| / ||dL/dh_T|| measured on a random tanh RNN with spectral radius rho (L = sum of h_T)."""
    norms = _grad_norms(float(rho), int(steps), int(hidden), int(seed))
    return _sci(float(norms[0] / norms[-1]), 2)


def lab_ratio(cell: str, length: int = 100, scale: float = 1.0, gate_bias: float = 2.0, digits: int = 2) -> str:
    """||dL/dh_1|| / ||dL/dh_T|| exactly as the vanishing-gradient lab computes it (rnncore.demos.gradient_norms)."""
    cell = _cell(cell)
    try:
        from rnncore import demos  # noqa: PLC0415
    except ImportError as exc:
        raise RuntimeError("lab_ratio needs the compiled core (make core)") from exc
    result = demos.gradient_norms(length=int(length), scale=float(scale), gate_bias=float(gate_bias), cells=(cell,))
    norms = result["norms"][cell]
    _SOURCES["lab_ratio"] = "rnncore.demos.gradient_norms (compiled)"
    return _sci(float(norms[0]) / float(norms[-1]), digits)


@functools.lru_cache(maxsize=8)
def _race(task: str, delay: int, updates: int) -> dict:
    """Run the training race natively, exactly as the demo does (rnncore.demos.race_*): losses per cell."""
    try:
        from rnncore import demos  # noqa: PLC0415
    except ImportError as exc:
        raise RuntimeError("the training race needs the compiled core (make core)") from exc
    race = demos.race_init(task=task, delay=int(delay))
    losses: dict[str, list[float]] = {}
    try:
        for _ in range(0, int(updates), 20):
            for cell, values in demos.race_step(race["id"], 20)["losses"].items():
                losses.setdefault(cell, []).extend(values)
    finally:
        demos.race_stop(race["id"])
    _SOURCES["race"] = "rnncore.demos.race_step (compiled)"
    return {"baseline": float(race["baseline"]), "rule": race.get("baseline_rule", ""), "losses": losses}


def race_learned_at(cell: str, task: str = "adding", delay: int = 20, updates: int = 600, window: int = 20):
    """The first update after which ``cell``'s mean loss over ``window`` updates is below half the task's baseline
    (the loss of a trivial guess), in a native run of the demo's race; "not within N updates" otherwise."""
    cell = _cell(cell)
    race = _race(task, int(delay), int(updates))
    values = race["losses"][cell]
    for end in range(window, len(values) + 1):
        if sum(values[end - window:end]) / window < race["baseline"] / 2:
            return f"after about {end} updates"
    return f"not within {len(values)} updates"


def race_final_loss(cell: str, task: str = "adding", delay: int = 20, updates: int = 600, window: int = 20) -> str:
    """Mean loss over the last ``window`` updates of ``cell`` in a native run of the demo's race."""
    values = _race(task, int(delay), int(updates))["losses"][_cell(cell)]
    return f"{sum(values[-window:]) / window:.2g}"


def race_baseline(task: str = "adding", delay: int = 20, updates: int = 600) -> str:
    """The trivial-guess loss of a race task."""
    return f"{_race(task, int(delay), int(updates))['baseline']:.2g}"


def spectral_radius_of(matrix: list[list[float]], digits: int = 3) -> str:
    """max |eigenvalue| of a small matrix given as nested lists."""
    return _fmt(float(max(abs(np.linalg.eigvals(np.array(matrix, dtype=float))))), digits)


def example_spectral_radius(digits: int = 3) -> str:
    """Spectral radius of the hidden-state lesson's W_hh."""
    return spectral_radius_of(RNN_EXAMPLE["W_hh"], digits)


def clip_scale(norm: float, threshold: float, digits: int = 3) -> str:
    """The factor clip-by-norm multiplies a gradient of norm ``norm`` by, for a ``threshold``."""
    return f"{min(1.0, float(threshold) / float(norm)):.{digits}g}"


def forget_retention(f: float, steps: int, digits: int = 3) -> str:
    """How much of c_0 survives ``steps`` steps of a constant forget gate f (input gate closed): f ** steps."""
    return _sci(float(f) ** int(steps), digits)


def sigmoid(x: float, digits: int = 3) -> str:
    return _fmt(float(_sigmoid(float(x))), digits)


# --------------------------------------------------------------------------------------------------------------
# Deployment: memory per step
# --------------------------------------------------------------------------------------------------------------

def rnn_state_bytes(cell: str, hidden_size: int, num_layers: int = 1, bytes_per_value: int = 2) -> int:
    """Bytes of recurrent state one stream carries between steps: h (and c for an LSTM) per layer."""
    cell = _cell(cell)
    return STATE_TENSORS[cell] * int(hidden_size) * int(num_layers) * int(bytes_per_value)


def kv_cache_bytes(tokens: int, num_layers: int, d_model: int, bytes_per_value: int = 2) -> int:
    """Bytes of a Transformer decoder's key-value cache after ``tokens`` tokens (one key and one value per layer)."""
    return 2 * int(num_layers) * int(tokens) * int(d_model) * int(bytes_per_value)


def step_flops(cell: str, input_size: int, hidden_size: int) -> int:
    """Floating-point operations of one step of one layer: 2 per multiply-add of W_ih x and W_hh h (gates ignored)."""
    cell = _cell(cell)
    return 2 * GATES[cell] * int(hidden_size) * (int(input_size) + int(hidden_size))


def human_bytes(n: int | float) -> str:
    """1536 -> '1.5 KiB'."""
    n = float(n)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            if unit == "bytes":
                return f"{int(n):,} bytes"
            return f"{n:.3g} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


def memory_table(hidden_size: int, rnn_layers: int, tf_layers: int, d_model: int,
                 lengths=(1_000, 10_000, 100_000), bytes_per_value: int = 2) -> str:
    """A Markdown table: memory an LSTM and a GRU keep per stream vs a Transformer KV cache, as a stream grows."""
    lstm = rnn_state_bytes("lstm", hidden_size, rnn_layers, bytes_per_value)
    gru = rnn_state_bytes("gru", hidden_size, rnn_layers, bytes_per_value)
    rows = ["| Tokens seen | LSTM state | GRU state | Transformer KV cache | KV cache / LSTM state |",
            "|-----------:|-----------:|----------:|---------------------:|----------------------:|"]
    for n in lengths:
        kv = kv_cache_bytes(n, tf_layers, d_model, bytes_per_value)
        rows.append(f"| {n:,} | {human_bytes(lstm)} | {human_bytes(gru)} | {human_bytes(kv)} | {kv / lstm:,.0f}× |")
    return "\n".join(rows)


def reference_source(name: str) -> str:
    """The source of one function of rnncore.reference as a fenced Python block: the lessons quote the oracle."""
    import inspect  # noqa: PLC0415

    ref = _reference()
    if ref is None or not hasattr(ref, name):
        raise ValueError(f"rnncore.reference.{name} is not importable: cannot quote it")
    code = inspect.getsource(getattr(ref, name)).rstrip()
    return f"```python title=\"rnncore/reference.py\"\n{code}\n```"


def _charlm() -> dict:
    """The text-generation model's metadata: from the trained file (make models) when present, else from the
    training script's settings and its corpus (the same numbers before training)."""
    import json  # noqa: PLC0415

    root = Path(__file__).resolve().parents[2]
    path = root / ".build" / "models" / "charlm.json"
    if path.is_file():
        data = json.loads(path.read_text(encoding="utf-8"))
        return {"vocab": len(data["vocab"]), "hidden": int(data["hidden_size"]),
                "steps": int(data["training"]["steps"]), "seq_len": int(data["training"]["seq_len"]),
                "corpus_chars": None}
    script = (root / "build" / "train_charlm.py").read_text(encoding="utf-8")
    setting = {k: int(re.search(rf"^{k} = (\d+)", script, re.M).group(1)) for k in ("HIDDEN", "STEPS", "SEQ_LEN")}
    corpus = (root / "build" / "corpus.txt").read_text(encoding="utf-8")
    return {"vocab": len(set(corpus)), "hidden": setting["HIDDEN"], "steps": setting["STEPS"],
            "seq_len": setting["SEQ_LEN"], "corpus_chars": len(corpus)}


def charlm(fact: str):
    """A fact about the text-generation model: "vocab", "hidden", "steps", "seq_len" or "params" (LSTM + readout)."""
    info = _charlm()
    if fact == "params":
        v, h = info["vocab"], info["hidden"]
        return param_count("lstm", v, h) + h * v + v
    return info[fact]


def fmt(value, digits: int = 3) -> str:
    """Thousands separators for ints, ``digits`` significant figures for floats."""
    if isinstance(value, int):
        return f"{value:,}"
    return f"{float(value):.{digits}g}"


def core_status() -> dict[str, str]:
    """Which source computed each family of numbers in this build (for the authoring page and tests)."""
    return dict(_SOURCES)


MACROS = [param_count, param_ratio, param_table, param_breakdown, rnn_example_latex, rnn_h, rnn_preact,
          rnn_example_table, rnn_memory_table, rnn_example_code, lstm_value, lstm_example_latex, lstm_example_table, decay, decay_value, steps_until,
          dtanh_max, dsigmoid_max, dtanh_at, grad_ratio, lab_ratio, race_learned_at, race_final_loss, race_baseline, spectral_radius_of, example_spectral_radius, clip_scale,
          forget_retention, sigmoid, reference_source, charlm, rnn_state_bytes, kv_cache_bytes, step_flops, human_bytes, memory_table, fmt, core_status]


_DOCS_DIR = [Path(__file__).resolve().parents[2] / "docs"]


def diagram(name: str) -> str:
    """The inline SVG of docs/assets/diagrams/<name>.svg (inline, so its currentColor follows the theme)."""
    path = _DOCS_DIR[0] / "assets" / "diagrams" / f"{name}.svg"
    if not path.is_file():
        raise FileNotFoundError(f"diagram {name!r}: no file {path}")
    return path.read_text(encoding="utf-8").strip()


MACROS.append(diagram)


def define_env(env):
    """mkdocs-macros entry point: register every function above as a macro, and ``fmt`` as a filter too."""
    conf = getattr(env, "conf", None)
    if conf is not None and conf.get("docs_dir"):
        _DOCS_DIR[0] = Path(conf["docs_dir"])
    for func in MACROS:
        env.macro(func)
    env.filter(fmt)
