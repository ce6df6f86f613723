"""What the site's live demos and generated quiz items ask of the core: JSON in, JSON out.

Each public function takes plain JSON values (numbers, strings, lists, dicts) as keyword arguments and returns a
dict of plain JSON values. In the browser the engine's worker calls ``rnncore.demos.<fn>(**kwargs)`` inside
Pyodide, which has no numpy: so this module uses only the standard library and rnncore's public API (``RNN``,
``LSTM``, ``GRU``; ``train`` and ``tasks`` for the training race), never ``rnncore.reference``.

Every result carries the parameters it was computed with (``params``, PyTorch names, nested lists), so a test or a
reader can recompute it with the numpy reference.

What lives between calls: the trained models a page sends once and then names by key are kept in the caller's
``loaded`` store (``rnncore._requests.LoadedModels``; the engine's worker passes its own, ``rnncore.worker``);
without one, a call builds the model it is sent and keeps nothing. The training races ``race_init`` starts live in
the caller's ``races`` store (:class:`Races`; the worker passes its own), so nothing is kept at module level.

Conventions: time-major inputs ``x`` of shape (T, B, I) with B = 1 here; results drop the batch axis, so a trace
``h`` is a list of T lists of H numbers.
"""
import math
import random

import rnncore
from rnncore import _buffers as buf
from rnncore._requests import LoadedModels, check_choice, check_float, check_int

__all__ = ["hidden_state_trace", "gate_trace", "gradient_norms", "race_init", "race_step", "race_stop",
           "bidirectional_trace", "sample", "quiz_item", "quiz_grade", "info"]

CELLS = ("rnn", "lstm", "gru")
GATE_NAMES = {"rnn": (), "lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n")}
MAX_STEPS = 400            # longest sequence a demo may ask for (keeps every request well inside its budget)
MAX_HIDDEN = 64


# ------------------------------------------------------------------------------------------------------- helpers
def _model(cell, input_size, hidden_size, seed, bidirectional=False):
    cls = {"rnn": rnncore.RNN, "lstm": rnncore.LSTM, "gru": rnncore.GRU}[cell]
    return cls(input_size=input_size, hidden_size=hidden_size, bidirectional=bidirectional, dtype="float64",
               seed=seed)


def _params(m):
    return {name: buf.to_list(value) for name, value in m.params.items()}


def _set_param(m, name, values):
    """Write nested lists `values` into the model's parameter `name` (same shape), in place."""
    buf.copy_into(m.params[name], buf.as_array(values, name, m.dtype, cast=True))


def _scale_param(m, name, factor):
    _set_param(m, name, _scaled(buf.to_list(m.params[name]), factor))


def _scaled(values, factor):
    if isinstance(values, list):
        return [_scaled(v, factor) for v in values]
    return values * factor


def _batch1(seq):
    """A list of T input vectors -> x of shape (T, 1, I)."""
    return [[list(map(float, v))] for v in seq]


def _squeeze(a):
    """(T, 1, H) nested lists -> (T, H)."""
    return [row[0] for row in buf.to_list(a)]


def _tokens(sequence, max_steps=MAX_STEPS):
    """A demo's sequence: a string (one token per character) or a list of numbers / strings."""
    if isinstance(sequence, str):
        tokens = list(sequence)
    elif isinstance(sequence, list):
        tokens = sequence
    else:
        raise ValueError(f"sequence must be a string or a list; got {type(sequence).__name__}")
    if not tokens:
        raise ValueError("the sequence is empty: type at least one token")
    if len(tokens) > max_steps:
        raise ValueError(f"the sequence is too long: {len(tokens)} steps, at most {max_steps}")
    return tokens


def _encode(tokens):
    """Tokens -> (inputs (T, I), vocab). Numbers become 1-wide inputs; anything else a one-hot over the sorted
    distinct tokens (so the same text always gives the same encoding)."""
    if all(isinstance(t, (int, float)) and not isinstance(t, bool) for t in tokens):
        return [[check_float("a sequence value", t, -100, 100)] for t in tokens], None
    tokens = [str(t) for t in tokens]
    vocab = sorted(set(tokens))
    index = {tok: k for k, tok in enumerate(vocab)}
    return [[1.0 if index[tok] == k else 0.0 for k in range(len(vocab))] for tok in tokens], vocab


def _gates(m, cell):
    """Per-step gate activations of batch item 0 after a unidirectional forward: {name: (T, H) lists}."""
    gates = m.gates                               # each (T, B, H)
    return {name: _squeeze(gates[name]) for name in GATE_NAMES[cell] + (("c",) if cell == "lstm" else ())}


# ------------------------------------------------------------------------------------------------- hidden state
def hidden_state_trace(sequence="hello", cell="rnn", hidden_size=6, seed=0):
    """The hidden state h_t after each step of `sequence`, and how much each input moved it.

    Returns {tokens, vocab, x (T, I), h (T, H), dh (T, H) = h_t - h_{t-1}, moved (T,) = |dh|, params}.
    """
    check_choice("cell", cell, CELLS)
    hidden_size = check_int("hidden_size", hidden_size, 1, MAX_HIDDEN)
    tokens = _tokens(sequence)
    x, vocab = _encode(tokens)
    m = _model(cell, len(x[0]), hidden_size, check_int("seed", seed, 0, 2**31 - 1))
    y, _ = m.forward(_batch1(x))
    h = _squeeze(y)
    prev = [0.0] * hidden_size
    dh, moved = [], []
    for row in h:
        d = [a - b for a, b in zip(row, prev)]
        dh.append(d)
        moved.append(math.sqrt(sum(v * v for v in d)))
        prev = row
    return {"cell": cell, "tokens": [str(t) for t in tokens], "vocab": vocab, "x": x, "h": h, "dh": dh,
            "moved": moved, "params": _params(m)}


# ------------------------------------------------------------------------------------------------ gate inspector
def _apply_overrides(m, cell, hidden_size, gate_bias, overrides):
    """gate_bias {gate: b} sets that gate's whole bias block (b_ih = b, b_hh = 0); overrides {"name[i]" or
    "name[i,j]": value} set single weights."""
    for gate, value in (gate_bias or {}).items():
        names = GATE_NAMES[cell]
        if gate not in names:
            raise ValueError(f"a {cell.upper()} has no gate {gate!r}; its gates are {', '.join(names)}")
        value = check_float(f"gate_bias[{gate}]", value, -20, 20)
        k = names.index(gate)
        b_ih, b_hh = buf.to_list(m.params["bias_ih_l0"]), buf.to_list(m.params["bias_hh_l0"])
        for u in range(k * hidden_size, (k + 1) * hidden_size):
            b_ih[u], b_hh[u] = value, 0.0
        _set_param(m, "bias_ih_l0", b_ih)
        _set_param(m, "bias_hh_l0", b_hh)
    for key, value in (overrides or {}).items():
        name, _, rest = key.partition("[")
        if name not in m.params or not rest.endswith("]"):
            raise ValueError(f"unknown weight {key!r}: use e.g. 'weight_hh_l0[0,1]' or 'bias_ih_l0[2]'")
        try:
            index = tuple(int(s) for s in rest[:-1].split(","))
        except ValueError:
            raise ValueError(f"unknown weight {key!r}: the index must be whole numbers") from None
        shape = tuple(m.params[name].shape)
        if len(index) != len(shape) or not all(0 <= i < n for i, n in zip(index, shape)):
            raise ValueError(f"{key} is outside {name}, whose shape is {shape}")
        m.params[name][index if len(index) > 1 else index[0]] = check_float(key, value, -20, 20)


def gate_trace(sequence=(1.0, 0.0, 0.0, 1.0, 0.0, 0.0), cell="lstm", hidden_size=3, seed=0, gate_bias=None,
               overrides=None, weight_scale=1.0):
    """Gate activations for every step: LSTM i, f, g, o, c and h; GRU r, z, n and h.

    `gate_bias` {"f": 2.0} sets a gate's bias for all units; `overrides` {"weight_hh_l0[0,1]": 0.5} single weights;
    `weight_scale` multiplies both weight matrices first.
    Returns {cell, tokens, gates: {name: (T, H)}, c (LSTM only), h (T, H), params}.
    """
    check_choice("cell", cell, ("lstm", "gru"))
    hidden_size = check_int("hidden_size", hidden_size, 1, 16)
    tokens = _tokens(list(sequence) if isinstance(sequence, tuple) else sequence, 64)
    x, vocab = _encode(tokens)
    m = _model(cell, len(x[0]), hidden_size, check_int("seed", seed, 0, 2**31 - 1))
    weight_scale = check_float("weight_scale", weight_scale, 0, 10)
    if weight_scale != 1.0:
        _scale_param(m, "weight_ih_l0", weight_scale)
        _scale_param(m, "weight_hh_l0", weight_scale)
    _apply_overrides(m, cell, hidden_size, gate_bias, overrides)
    y, _ = m.forward(_batch1(x))
    gates = _gates(m, cell)
    result = {"cell": cell, "tokens": [str(t) for t in tokens], "vocab": vocab, "x": x,
              "gates": {k: gates[k] for k in GATE_NAMES[cell]}, "h": _squeeze(y), "params": _params(m)}
    if cell == "lstm":
        result["c"] = gates["c"]
    return result


# ------------------------------------------------------------------------------------------------ vanishing lab
def _random_inputs(rng, T, I):
    return [[rng.gauss(0.0, 1.0) for _ in range(I)] for _ in range(T)]


def gradient_norms(length=40, scale=1.0, hidden_size=8, input_size=4, seed=0, cells=CELLS, gate_bias=2.0):
    """||dL/dh_t|| for every t, for each cell on the same random sequence, with L = sum(h_T) / sqrt(H).

    `scale` multiplies the recurrent weights W_hh of every cell (its default initialisation times scale).
    `gate_bias` is the bias of the LSTM's forget gate and of the GRU's update gate (the usual "keep" initialisation
    is positive; at 0 the gated cells start half-forgetting and their gradient vanishes too).
    Returns {t: [1..T], length, scale, norms: {cell: (T,)}, x (T, I), params: {cell: params}}.
    """
    length = check_int("length", length, 1, MAX_STEPS)
    scale = check_float("scale", scale, 0, 10)
    hidden_size = check_int("hidden_size", hidden_size, 1, MAX_HIDDEN)
    input_size = check_int("input_size", input_size, 1, 16)
    seed = check_int("seed", seed, 0, 2**31 - 1)
    gate_bias = check_float("gate_bias", gate_bias, -10, 10)
    x = _random_inputs(random.Random(seed), length, input_size)
    last = [1.0 / math.sqrt(hidden_size)] * hidden_size        # dL/dh_T of L = sum(h_T) / sqrt(H): norm 1
    dy = [[[0.0] * hidden_size] for _ in range(length - 1)] + [[last]]
    norms, params = {}, {}
    for cell in cells:
        check_choice("cell", cell, CELLS)
        m = _model(cell, input_size, hidden_size, seed)
        if scale != 1.0:
            _scale_param(m, "weight_hh_l0", scale)
        if cell != "rnn":
            _apply_overrides(m, cell, hidden_size, {"lstm": {"f": gate_bias}, "gru": {"z": gate_bias}}[cell], None)
        m.forward(_batch1(x))
        m.backward(dy)
        norms[cell] = buf.to_list(m.grad_h_norms)          # (T,)
        params[cell] = _params(m)
    return {"t": list(range(1, length + 1)), "length": length, "scale": scale, "gate_bias": gate_bias,
            "norms": norms, "x": x,
            "params": params}


# ----------------------------------------------------------------------------------------------- training race
RACE_TASKS = ("adding", "copy")
MAX_RACES = 4


class Races:
    """The training races started in one session (the engine's worker holds one for its life; a Python caller
    makes its own and passes it to race_init, race_step and race_stop). Ids come from a counter, so an id never
    repeats, even after the oldest race was forgotten to make room (at most ``limit`` are kept)."""

    def __init__(self, limit=MAX_RACES):
        self.limit, self.started, self.live = limit, 0, {}

    def add(self, prefix, race):
        self.started += 1
        race_id = f"{prefix}-{self.started}"
        while len(self.live) >= self.limit:            # forget the oldest race a page left behind
            self.live.pop(next(iter(self.live)))
        self.live[race_id] = race
        return race_id

    def get(self, race_id):
        race = self.live.get(race_id)
        if race is None:
            raise ValueError(f"no training race {race_id!r}: start one with race_init")
        return race

    def stop(self, race_id):
        self.live.pop(race_id, None)


def _races(races):
    if not isinstance(races, Races):
        raise TypeError(f"races: expected a demos.Races store (the session's races), got {type(races).__name__}")
    return races


def race_init(task="adding", delay=20, cells=CELLS, hidden_size=16, seed=0, batch_size=16, lr=0.01,
              lstm_forget_bias=1.0, races=None):
    """Start a training race: one model per cell, trained on the same stream of batches of the same task.

    Every cell starts from PyTorch's default initialisation, except the LSTM's forget-gate bias, set to
    `lstm_forget_bias` (1.0: the usual practice, Gers et al. 2000; Jozefowicz et al. 2015).

    task "copy" (recall the symbol shown `delay` steps earlier; cross-entropy) or "adding" (the sum of two marked
    values in a sequence of `delay` + 2 steps; mean squared error). Returns {id, task, delay, cells, baseline,
    baseline_rule, loss}; then call race_step(id, steps, races) repeatedly. `races`: the session's
    :class:`Races` (the worker passes its own).
    """
    from . import tasks, train

    races = _races(races)
    check_choice("task", task, RACE_TASKS)
    delay = check_int("delay", delay, 1, 200)
    hidden_size = check_int("hidden_size", hidden_size, 1, MAX_HIDDEN)
    seed = check_int("seed", seed, 0, 2**31 - 1)
    batch_size = check_int("batch_size", batch_size, 1, 256)
    lr = check_float("lr", lr, 1e-6, 1.0)
    lstm_forget_bias = check_float("lstm_forget_bias", lstm_forget_bias, -10, 10)
    cells = [check_choice("cell", c, CELLS) for c in cells]
    trainers = {}
    for cell in cells:
        if task == "copy":
            t = tasks.RecallTask(delay=delay, n_symbols=4, seed=seed)
        else:
            t = tasks.AddingProblem(length=delay + 2, seed=seed)
        m = _model(cell, t.input_size, hidden_size, seed)
        if cell == "lstm":
            _apply_overrides(m, cell, hidden_size, {"f": lstm_forget_bias}, None)
        trainers[cell] = train.Trainer(m, t, optimizer="adam", lr=lr, max_norm=1.0, batch_size=batch_size,
                                       seed=seed)
    race_id = races.add(f"race-{seed}-{task}-{delay}", {"trainers": trainers, "step": 0})
    first = trainers[cells[0]].task
    return {"id": race_id, "task": task, "delay": delay, "cells": cells, "baseline": first.baseline,
            "baseline_rule": first.baseline_rule, "loss": first.loss, "sequence_length": first.length}


def race_step(id, steps=10, races=None):
    """Train every cell of race `id` for `steps` more updates; returns {id, step, losses: {cell: [new losses]}}."""
    race = _races(races).get(id)
    steps = check_int("steps", steps, 1, 200)
    losses = {cell: trainer.run(steps) for cell, trainer in race["trainers"].items()}
    race["step"] += steps
    return {"id": id, "step": race["step"], "losses": losses}


def race_stop(id, races=None):
    """Forget race `id` (frees its models)."""
    _races(races).stop(id)
    return {"id": id, "stopped": True}


# --------------------------------------------------------------------------------------------- bidirectional
def bidirectional_trace(sentence="the cat sat on the mat", cell="gru", hidden_size=3, seed=0):
    """Forward and backward states over the words of `sentence`, and their concatenation [h_fwd ; h_bwd].

    Returns {tokens, forward (T, H), backward (T, H), concat (T, 2H), params}; backward[t] has read the words
    t..T-1, forward[t] the words 0..t.
    """
    check_choice("cell", cell, CELLS)
    hidden_size = check_int("hidden_size", hidden_size, 1, 16)
    if not isinstance(sentence, str):
        raise ValueError("sentence must be a string")
    words = sentence.split()
    tokens = _tokens(words, 40)
    x, vocab = _encode(tokens)
    m = _model(cell, len(x[0]), hidden_size, check_int("seed", seed, 0, 2**31 - 1), bidirectional=True)
    y, _ = m.forward(_batch1(x))
    concat = _squeeze(y)
    return {"cell": cell, "tokens": tokens, "vocab": vocab, "x": x,
            "forward": [row[:hidden_size] for row in concat], "backward": [row[hidden_size:] for row in concat],
            "concat": concat, "params": _params(m)}


# ----------------------------------------------------------------------------------------------- text generation
def _charlm(model):
    vocab, H = model["vocab"], int(model["hidden_size"])
    lstm = _model("lstm", len(vocab), H, 0)
    lstm.load_state_dict(model["lstm"])
    return vocab, H, lstm, model["out"]["weight"], model["out"]["bias"]


def _onehot(index, n):
    v = [0.0] * n
    v[index] = 1.0
    return v


def sample(model, prompt="The ", temperature=0.8, n=200, seed=0, loaded=None):
    """Sample `n` characters from a character-level LSTM (the shipped charlm.json) after reading `prompt`.

    `model` is the whole JSON the first time; afterwards {"key": model["key"]} is enough for a caller that passes
    the same `loaded` store (``LoadedModels``: the engine's worker keeps one).

    temperature 0 picks the most likely character each step; higher values flatten the distribution.
    Returns {prompt, text (the generated part), temperature, steps}.
    """
    vocab, H, lstm, W, b = (loaded or LoadedModels()).load(
        "charlm", model, _charlm, "the JSON of a character-level LSTM (charlm.json)")
    temperature = check_float("temperature", temperature, 0, 5)
    n = check_int("n", n, 1, 2000)
    if not isinstance(prompt, str) or not prompt:
        raise ValueError("the prompt must be at least one character")
    index = {ch: k for k, ch in enumerate(vocab)}
    unknown = sorted(set(ch for ch in prompt if ch not in index))
    if unknown:
        raise ValueError(f"the model does not know the character(s) {''.join(unknown)!r}")
    rng = random.Random(seed)
    V = len(vocab)
    y, state = lstm.forward([[_onehot(index[ch], V)] for ch in prompt])
    h = buf.to_list(y)[-1][0]
    out = []
    for _ in range(n):
        logits = [bk + buf.dot(row, h) for row, bk in zip(W, b)]
        if temperature < 1e-3:
            k = max(range(V), key=logits.__getitem__)
        else:
            top = max(logits)
            p = [math.exp((z - top) / temperature) for z in logits]
            r, acc, k = rng.random() * sum(p), 0.0, V - 1
            for j, pj in enumerate(p):
                acc += pj
                if r < acc:
                    k = j
                    break
        out.append(vocab[k])
        y, state = lstm.forward([[_onehot(k, V)]], state)
        h = buf.to_list(y)[0][0]
    return {"prompt": prompt, "text": "".join(out), "temperature": temperature, "steps": n}


# ---------------------------------------------------------------------------------------- generated quiz items
QUIZ_KINDS = ("rnn-h2", "lstm-c1", "attention-a1")
QUIZ_TOLERANCE = 0.005


def _quiz_numbers(kind, seed):
    rng = random.Random(f"{kind}:{seed}")
    pick = lambda lo, hi: round(rng.uniform(lo, hi), 1) or 0.5  # noqa: E731  one decimal, never 0
    if kind == "rnn-h2":
        return {"w_x": pick(-1.5, 1.5), "w_h": pick(-1.5, 1.5), "b": pick(-0.5, 0.5),
                "x": [pick(-1.0, 1.0), pick(-1.0, 1.0)]}
    if kind == "attention-a1":       # one decoder state s scores three encoder outputs h_j (all one number wide)
        # distinct h_j, |w_k| >= 0.8 and v >= 1.5: weights far enough from 1/3 (and from 0 and 1) to be worth asking
        return {"w_q": pick(-1.0, 1.0), "w_k": pick(0.8, 1.5) * rng.choice((-1, 1)), "b": pick(-0.3, 0.3),
                "v": pick(1.5, 2.5), "s": pick(-1.0, 1.0), "h": rng.sample([-0.9, -0.6, -0.3, 0.3, 0.6, 0.9], 3)}
    return {"gates": {g: {"w_x": pick(-1.5, 1.5), "w_h": pick(-1.0, 1.0), "b": pick(-0.5, 0.5)} for g in "ifgo"},
            "x": [pick(-1.0, 1.0)], "h0": 0.0, "c0": 0.0}          # the first step: c_1 = i_1 g_1


def _quiz_run(kind, q):
    """The worked numbers, computed by the core (a 1-unit RNN/LSTM, or additive attention of size 1, with the shown
    weights): rnn-h2 {h: [h_1, h_2]}, lstm-c1 {i, f, g, o, c} at step 1, attention-a1 {e: [e_1, e_2, e_3],
    a: [a_1, a_2, a_3]}; `answer` is the asked value."""
    if kind == "attention-a1":
        from .attention import AdditiveAttention       # noqa: PLC0415 - only this item needs the layer
        att = AdditiveAttention(1, 1, 1, dtype="float64")
        for name, key in (("weight_q", "w_q"), ("weight_k", "w_k"), ("bias", "b"), ("v", "v")):
            buf.writable_flat(att.params[name])[0] = q[key]           # each parameter holds one number
        _, weights = att.forward([[[q["s"]]]], [[[h]] for h in q["h"]])
        a, e = buf.to_flat(weights)[0], buf.to_flat(att.scores)[0]
        return {"e": e, "a": a, "answer": a[0]}
    if kind == "rnn-h2":
        m = _model("rnn", 1, 1, 0)
        _set_param(m, "weight_ih_l0", [[q["w_x"]]])
        _set_param(m, "weight_hh_l0", [[q["w_h"]]])
        _set_param(m, "bias_ih_l0", [q["b"]])
        _set_param(m, "bias_hh_l0", [0.0])
        y, _ = m.forward(_batch1([[v] for v in q["x"]]))
        h = [row[0] for row in _squeeze(y)]
        return {"h": h, "answer": h[1]}
    m = _model("lstm", 1, 1, 0)
    _set_param(m, "weight_ih_l0", [[q["gates"][g]["w_x"]] for g in "ifgo"])
    _set_param(m, "weight_hh_l0", [[q["gates"][g]["w_h"]] for g in "ifgo"])
    _set_param(m, "bias_ih_l0", [q["gates"][g]["b"] for g in "ifgo"])
    _set_param(m, "bias_hh_l0", [0.0] * 4)
    m.forward(_batch1([[v] for v in q["x"]]), ([[[q["h0"]]]], [[[q["c0"]]]]))
    gates = _gates(m, "lstm")
    worked = {name: gates[name][0][0] for name in ("i", "f", "g", "o", "c")}
    return {**worked, "answer": worked["c"]}


def _quiz_expected(kind, q):
    """The answer, computed by the core."""
    return _quiz_run(kind, q)["answer"]


def quiz_item(kind, seed=0):
    """A fresh numeric question of `kind` (one of QUIZ_KINDS): the same (kind, seed) gives the same numbers.

    Returns {kind, seed, numbers, tolerance}; the answer is not in it (quiz_grade computes it). The page shows
    the numbers in its own markup (the plugin's partial ``quiz-generated.html``).
    """
    check_choice("kind", kind, QUIZ_KINDS)
    seed = check_int("seed", seed, 0, 2**53)
    return {"kind": kind, "seed": seed, "numbers": _quiz_numbers(kind, seed), "tolerance": QUIZ_TOLERANCE}


def quiz_grade(kind, seed, answer):
    """Grade `answer` to quiz_item(kind, seed): {correct, expected (rounded to 4 decimals), tolerance, message}."""
    check_choice("kind", kind, QUIZ_KINDS)
    seed = check_int("seed", seed, 0, 2**53)
    expected = _quiz_expected(kind, _quiz_numbers(kind, seed))
    try:
        value = float(str(answer).strip().replace("\u2212", "-").replace(",", "."))
    except ValueError:
        return {"correct": False, "expected": round(expected, 4), "tolerance": QUIZ_TOLERANCE,
                "message": f"{answer!r} is not a number"}
    correct = math.isfinite(value) and abs(value - expected) <= QUIZ_TOLERANCE
    return {"correct": correct, "expected": round(expected, 4), "tolerance": QUIZ_TOLERANCE,
            "message": "correct" if correct else f"the core computes {expected:.4f}"}


def quiz_worked(kind, seed=0):
    """The worked solution of quiz_item(kind, seed), every number computed by the core: {kind, seed, numbers,
    steps, answer}. For rnn-h2 steps = {h: [h_1, h_2]}; for lstm-c1 {i, f, g, o, c} at step 1; for attention-a1
    {e: the three scores, a: the three weights}. An exported (fixed)
    instance explains itself with these."""
    check_choice("kind", kind, QUIZ_KINDS)
    seed = check_int("seed", seed, 0, 2**53)
    q = _quiz_numbers(kind, seed)
    run = _quiz_run(kind, q)
    return {"kind": kind, "seed": seed, "numbers": q, "answer": run.pop("answer"), "steps": run}


def info():
    """Versions, for the playground and the engine's about line."""
    import sys
    return {"python": sys.version.split()[0], "rnncore": getattr(rnncore, "__version__", "dev"),
            "platform": sys.platform}


# ------------------------------------------------------------------------------------ the application lessons
# Their JSON functions live in rnncore.apps; re-exported here, the one module the engine's worker calls into.
from .apps import __all__ as _apps_all  # noqa: E402
from .apps import *  # noqa: E402,F401,F403

__all__ += _apps_all
