"""Numbers on the lesson pages (an mkdocs-macros module): the core computes them, this module formats them.

Every derived number a lesson shows -- a parameter count, a worked example's hidden state, a gradient ratio, a race
result, a fact about the shipped text model -- is returned by ``rnncore.course`` as a plain number or list; the
macros here only turn it into text for Markdown (``{{ param_count("gru", 128, 256) }}``, tables, LaTeX). No model
arithmetic happens in this package. A build whose compiled core cannot be imported stops with one message.
"""
from __future__ import annotations

import html
import inspect
import json
import pathlib

try:
    from rnncore import course, reference
except ImportError as exc:                  # the one place the site meets the compiled core
    raise ImportError(f"sequencehub.macros: the compiled core rnncore cannot be imported ({exc}); build it with "
                      "`make core` (or pip install the project) before building the site") from exc

GATES = course.GATES


# --------------------------------------------------------------------------------------------------- formatting
def fixed(v: float, digits: int) -> str:
    """``digits`` decimals, and never "-0.000"."""
    s = f"{v:.{digits}f}"
    return s[1:] if s.startswith("-") and float(s) == 0 else s


def sci(v: float, digits: int) -> str:
    """``digits`` significant figures, plain when moderate, else LaTeX ``m \\times 10^{e}``."""
    if v == 0:
        return "0"
    if 1e-3 <= abs(v) < 1e5:
        return f"{v:.{digits}g}"
    mant, exp = f"{v:.{digits - 1}e}".split("e")
    return f"{mant} \\times 10^{{{int(exp)}}}"


def sci_md(v: float, digits: int) -> str:
    """A number for a Markdown table cell: ``sci`` in math mode when it has a power of ten."""
    s = sci(v, digits)
    return f"${s}$" if "times" in s else s


def num(v: float) -> str:
    return f"{v:g}"


def fmt(value, digits: int = 3) -> str:
    """Thousands separators for ints, ``digits`` significant figures for floats (also a filter)."""
    if isinstance(value, int):
        return f"{value:,}"
    return f"{float(value):.{digits}g}"


def human_bytes(n: int | float) -> str:
    """1536 -> '1.5 KiB'."""
    n = float(n)
    if abs(n) < 1024:
        return f"{int(n):,} bytes"
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        n /= 1024
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.3g} {unit}"


def table(head: list[str], align: list[str], rows: list[list[str]]) -> str:
    """A Markdown table."""
    return "\n".join(["| " + " | ".join(head) + " |", "|" + "|".join(align) + "|"]
                     + ["| " + " | ".join(row) + " |" for row in rows])


def bmatrix(rows) -> str:
    return r"\begin{bmatrix}" + r"\\".join(" & ".join(num(v) for v in row) for row in rows) + r"\end{bmatrix}"


# ------------------------------------------------------------------------------------------------------ macros
class Macros:
    """The macros of one site: ``docs_dir`` holds the diagrams, ``models_dir`` the shipped text model."""

    def __init__(self, docs_dir, models_dir=None):
        self.docs_dir = pathlib.Path(docs_dir)
        self.models_dir = pathlib.Path(models_dir) if models_dir else None

    def functions(self):
        return [getattr(self, name) for name in (
            "param_count", "param_ratio", "param_table", "param_breakdown", "rnn_example_latex", "rnn_h",
            "rnn_preact", "rnn_example_table", "rnn_memory_table", "rnn_example_code", "lstm_value",
            "lstm_example_latex", "lstm_example_table", "decay", "decay_value", "steps_until", "dtanh_max",
            "dsigmoid_max", "dtanh_at", "grad_ratio", "lab_ratio", "race_learned_at", "race_final_loss",
            "race_baseline", "spectral_radius_of", "example_spectral_radius", "clip_scale", "forget_retention",
            "sigmoid", "reference_source", "charlm", "rnn_state_bytes", "kv_cache_bytes", "step_flops",
            "memory_table", "diagram")] + [human_bytes, fmt]

    # sizes
    @staticmethod
    def param_count(cell, input_size, hidden_size, bidirectional=False, num_layers=1) -> int:
        return course.param_count(cell, int(input_size), int(hidden_size), bool(bidirectional), int(num_layers))

    def param_ratio(self, cell_a, cell_b, input_size, hidden_size, digits=2) -> float:
        return round(self.param_count(cell_a, input_size, hidden_size)
                     / self.param_count(cell_b, input_size, hidden_size), digits)

    def param_table(self, input_size, hidden_size) -> str:
        """RNN, GRU and LSTM parameter counts at one input and hidden size, and each against the LSTM."""
        lstm = self.param_count("lstm", input_size, hidden_size)
        rows = []
        for cell in ("rnn", "gru", "lstm"):
            n, g = self.param_count(cell, input_size, hidden_size), GATES[cell]
            rows.append([cell.upper(), str(g), f"${'' if g == 1 else g}H(I+H+2)$", f"{n:,}", f"{n / lstm:.0%}"])
        return table(["Cell", "Gate blocks", "Formula", "Parameters", "vs LSTM"],
                     [":-----", ":-----------:", ":--------", "-----------:", "--------:"], rows)

    @staticmethod
    def param_breakdown(cell, input_size, hidden_size) -> str:
        """One cell's tensors: PyTorch name, shape and size."""
        shapes = course.param_shapes(cell, int(input_size), int(hidden_size))
        sizes = {name: _product(shape) for name, shape in shapes.items()}
        rows = [[f"`{name}`", "(" + ", ".join(map(str, shape)) + ")", f"{sizes[name]:,}"]
                for name, shape in shapes.items()]
        rows.append(["**total**", "", f"**{sum(sizes.values()):,}**"])
        return table(["Tensor", "Shape", "Size"], [":-------", ":------", "-----:"], rows)

    @staticmethod
    def step_flops(cell, input_size, hidden_size) -> int:
        return course.step_flops(cell, int(input_size), int(hidden_size))

    @staticmethod
    def rnn_state_bytes(cell, hidden_size, num_layers=1, bytes_per_value=2) -> int:
        return course.state_bytes(cell, int(hidden_size), int(num_layers), int(bytes_per_value))

    @staticmethod
    def kv_cache_bytes(tokens, num_layers, d_model, bytes_per_value=2) -> int:
        return course.kv_cache_bytes(int(tokens), int(num_layers), int(d_model), int(bytes_per_value))

    def memory_table(self, hidden_size, rnn_layers, tf_layers, d_model, lengths=(1_000, 10_000, 100_000),
                     bytes_per_value=2) -> str:
        """Memory an LSTM and a GRU keep per stream against a Transformer's KV cache, as a stream grows."""
        lstm = self.rnn_state_bytes("lstm", hidden_size, rnn_layers, bytes_per_value)
        gru = self.rnn_state_bytes("gru", hidden_size, rnn_layers, bytes_per_value)
        rows = []
        for n in lengths:
            kv = self.kv_cache_bytes(n, tf_layers, d_model, bytes_per_value)
            rows.append([f"{n:,}", human_bytes(lstm), human_bytes(gru), human_bytes(kv), f"{kv / lstm:,.0f}×"])
        return table(["Tokens seen", "LSTM state", "GRU state", "Transformer KV cache", "KV cache / LSTM state"],
                     ["-----------:", "-----------:", "----------:", "---------------------:",
                      "----------------------:"], rows)

    # the hidden-state lesson's worked example
    @staticmethod
    def rnn_example_latex() -> str:
        ex = course.RNN_EXAMPLE
        xs = ",\\ ".join(f"x_{t + 1} = {num(v)}" for t, v in enumerate(ex["x"]))
        return (r"\begin{gathered}"
                f"W_{{ih}} = {bmatrix(ex['W_ih'])},\\quad W_{{hh}} = {bmatrix(ex['W_hh'])},\\quad "
                f"b = {bmatrix([[v] for v in ex['b']])},\\quad h_0 = \\mathbf{{0}},"
                r"\\[6pt]" f"{xs}" r"\end{gathered}")

    @staticmethod
    def rnn_h(t, unit, digits=3) -> str:
        """Unit ``unit`` (0-based) of the hidden state after step ``t`` (h_0 = 0)."""
        return fixed(course.rnn_example()["h"][int(t)][int(unit)], digits)

    @staticmethod
    def rnn_preact(t, unit, digits=3) -> str:
        """The pre-activation a_t (before tanh) at step t (1-based)."""
        return fixed(course.rnn_example()["a"][int(t) - 1][int(unit)], digits)

    @staticmethod
    def rnn_example_table(digits=3) -> str:
        ex = course.rnn_example()
        rows = [["0", "", fixed(ex["h"][0][0], digits), fixed(ex["h"][0][1], digits)]]
        rows += [[str(t), num(x), fixed(ex["h"][t][0], digits), fixed(ex["h"][t][1], digits)]
                 for t, x in enumerate(ex["x"], start=1)]
        return table(["$t$", "$x_t$", "$h_t[1]$", "$h_t[2]$"], [":---:", "------:", "---------:", "---------:"], rows)

    @staticmethod
    def rnn_memory_table(steps=(1, 2, 5, 10, 20), digits=2) -> str:
        """How much flipping x_1 from +1 to -1 still changes the state t steps later (inputs after it 0)."""
        diff = course.rnn_memory(list(steps))
        return table(["step $t$"] + [str(t) for t in steps], [":--"] + ["--:" for _ in steps],
                     [["$\\lVert h_t(x_1{=}1) - h_t(x_1{=}{-1})\\rVert$"] + [sci_md(d, digits) for d in diff]])

    @staticmethod
    def rnn_example_code() -> str:
        """Playground code that rebuilds the worked example in rnncore, escaped for an HTML attribute (data-code)."""
        ex = course.RNN_EXAMPLE
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

    @staticmethod
    def spectral_radius_of(matrix, digits=3) -> str:
        return fixed(course.spectral_radius(matrix), digits)

    def example_spectral_radius(self, digits=3) -> str:
        """Spectral radius of the hidden-state lesson's W_hh."""
        return self.spectral_radius_of(course.RNN_EXAMPLE["W_hh"], digits)

    # the LSTM lesson's worked example
    @staticmethod
    def lstm_value(t, name, digits=3) -> str:
        """Gate or state ``name`` (i, f, g, o, c, h) after step ``t`` (1-based)."""
        return fixed(course.lstm_example()[int(t) - 1][name], digits)

    @staticmethod
    def lstm_example_latex() -> str:
        ex = course.LSTM_EXAMPLE
        rows = [f"w_{{i{k}}} = {num(ex['w_ih'][k])}, & w_{{h{k}}} = {num(ex['w_hh'][k])}, & b_{k} = {num(ex['b'][k])}"
                for k in "ifgo"]
        return r"\begin{array}{lll}" + r"\\".join(rows) + r"\end{array}"

    @staticmethod
    def lstm_example_table(digits=3) -> str:
        rows = [[str(t), num(r["x"])] + [fixed(r[k], digits) for k in "ifgoch"]
                for t, r in enumerate(course.lstm_example(), start=1)]
        return table(["$t$", "$x_t$", "$i_t$", "$f_t$", "$g_t$", "$o_t$", "$c_t$", "$h_t$"],
                     [":---:"] + ["------:"] * 7, rows)

    # gradients through time
    @staticmethod
    def decay(rho, steps, digits=3) -> str:
        return sci(course.decay(rho, steps), digits)

    @staticmethod
    def decay_value(rho, steps) -> float:
        return course.decay(rho, steps)

    @staticmethod
    def forget_retention(f, steps, digits=3) -> str:
        """What a constant forget gate f keeps of c_0 after ``steps`` steps (input gate closed)."""
        return sci(course.decay(f, steps), digits)

    @staticmethod
    def steps_until(rho, factor) -> int:
        return course.steps_until(float(rho), float(factor))

    @staticmethod
    def dtanh_max() -> str:
        return fixed(course.dtanh_max(), 0)

    @staticmethod
    def dsigmoid_max() -> str:
        return num(course.dsigmoid_max())

    @staticmethod
    def dtanh_at(x, digits=3) -> str:
        return fixed(course.dtanh(float(x)), digits)

    @staticmethod
    def sigmoid(x, digits=3) -> str:
        return fixed(course.sigmoid(float(x)), digits)

    @staticmethod
    def clip_scale(norm, threshold, digits=3) -> str:
        return f"{course.clip_scale(float(norm), float(threshold)):.{digits}g}"

    @staticmethod
    def grad_ratio(rho, steps=50, hidden=32, seed=0) -> str:
        """||dL/dh_1|| / ||dL/dh_T|| of a random tanh RNN with spectral radius rho (L = sum of h_T)."""
        norms = course.grad_norms(float(rho), int(steps), int(hidden), int(seed))
        return sci(norms[0] / norms[-1], 2)

    @staticmethod
    def lab_ratio(cell, length=100, scale=1.0, gate_bias=2.0, digits=2) -> str:
        """||dL/dh_1|| / ||dL/dh_T|| as the vanishing-gradient lab computes it."""
        norms = course.lab_norms(cell, int(length), float(scale), float(gate_bias))
        return sci(norms[0] / norms[-1], digits)

    # the training race
    @staticmethod
    def race_learned_at(cell, task="adding", delay=20, updates=600, window=20) -> str:
        r = course.race_summary(cell, task, int(delay), int(updates), int(window))
        return f"after about {r['learned_at']} updates" if r["learned_at"] else f"not within {r['updates']} updates"

    @staticmethod
    def race_final_loss(cell, task="adding", delay=20, updates=600, window=20) -> str:
        return f"{course.race_summary(cell, task, int(delay), int(updates), int(window))['final_loss']:.2g}"

    @staticmethod
    def race_baseline(task="adding", delay=20, updates=600) -> str:
        return f"{course.race_losses(task, int(delay), int(updates))['baseline']:.2g}"

    # quoted code, diagrams, the shipped model
    @staticmethod
    def reference_source(name) -> str:
        """The source of one function of rnncore.reference as a fenced block: the lessons quote the oracle."""
        code = inspect.getsource(getattr(reference, name)).rstrip()
        return f"```python title=\"rnncore/reference.py\"\n{code}\n```"

    def diagram(self, name) -> str:
        """The inline SVG of docs/assets/diagrams/<name>.svg (inline, so its currentColor follows the theme)."""
        path = self.docs_dir / "assets" / "diagrams" / f"{name}.svg"
        if not path.is_file():
            raise FileNotFoundError(f"diagram {name!r}: no file {path}")
        return path.read_text(encoding="utf-8").strip()

    def charlm(self, fact):
        """A fact about the text-generation model: "vocab", "hidden", "steps", "seq_len" or "params"."""
        path = self.models_dir / "charlm.json" if self.models_dir else None
        if path is None or not path.is_file():
            raise FileNotFoundError(f"charlm({fact!r}): the text model {path} is missing: run `make models` (the "
                                    "sequencehub plugin's models_dir option says where it is)")
        return course.charlm_facts(json.loads(path.read_text(encoding="utf-8")))[fact]


def _product(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def define_env(env):
    """mkdocs-macros entry point: every macro above, and ``fmt`` as a filter too. The text model is found where
    the sequencehub plugin copies it from (its ``models_dir`` option, else the copy a shipped wheel carries)."""
    plugin = env.conf.plugins.get("sequencehub")
    models = plugin.models_folder(env.conf) if plugin is not None else None
    macros = Macros(env.conf["docs_dir"], models)
    for func in macros.functions():
        env.macro(func)
    env.filter(fmt)
