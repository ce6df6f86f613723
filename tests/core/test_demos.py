"""rnncore.demos (what the browser demos and generated quiz items call) against the numpy reference.

Each demo result carries the parameters it used; the reference recomputes the same quantity from them.
"""
import json
import math
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from rnncore import demos
from rnncore import reference as ref
from rnncore._requests import LoadedModels

RTOL, ATOL = 1e-9, 1e-11


def _arrays(params):
    return {k: np.asarray(v, dtype=float) for k, v in params.items()}


def _x(result):
    return np.asarray(result["x"], dtype=float)[:, None, :]


def _json_roundtrip(result):
    """Every result must survive JSON (what the worker sends to the page)."""
    assert json.loads(json.dumps(result, allow_nan=False)) == result


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("sequence", ["a", "hello", [0.5, -1.0, 2.0]])
def test_hidden_state_trace_matches_reference(cell, sequence, global_random_seed):
    r = demos.hidden_state_trace(sequence=sequence, cell=cell, hidden_size=4, seed=global_random_seed)
    _json_roundtrip(r)
    y, _, _ = ref.forward(cell, _arrays(r["params"]), _x(r))
    np.testing.assert_allclose(r["h"], y[:, 0, :], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(r["moved"], np.linalg.norm(np.diff(y[:, 0, :], axis=0, prepend=0), axis=1),
                               rtol=1e-9, atol=1e-12)
    assert len(r["tokens"]) == len(sequence)


@pytest.mark.parametrize("cell, gate_bias, overrides", [
    ("lstm", None, None),
    ("lstm", {"f": 3.0, "i": -1.0}, {"weight_hh_l0[0,1]": 0.7}),
    ("gru", {"z": 2.0}, {"bias_hh_l0[2]": -0.4}),
])
def test_gate_trace_matches_reference(cell, gate_bias, overrides, global_random_seed):
    H = 3
    r = demos.gate_trace(sequence=[1.0, 0.0, -1.0, 0.5], cell=cell, hidden_size=H, seed=global_random_seed,
                         gate_bias=gate_bias, overrides=overrides, weight_scale=1.5)
    _json_roundtrip(r)
    p = _arrays(r["params"])
    for gate, value in (gate_bias or {}).items():       # the sliders' values reached the model
        k = demos.GATE_NAMES[cell].index(gate)
        np.testing.assert_array_equal(p["bias_ih_l0"][k * H:(k + 1) * H], value)
        np.testing.assert_array_equal(p["bias_hh_l0"][k * H:(k + 1) * H], 0.0)
    for key, value in (overrides or {}).items():
        name, index = key.split("[")
        assert p[name][tuple(int(i) for i in index[:-1].split(","))] == value
    y, _, caches = ref.forward(cell, p, _x(r))
    np.testing.assert_allclose(r["h"], y[:, 0, :], rtol=RTOL, atol=ATOL)
    T = len(r["x"])
    if cell == "lstm":
        _, hs, cs, gates, _, _ = caches[0]
        np.testing.assert_allclose(r["c"], [cs[t][0] for t in range(T)], rtol=RTOL, atol=ATOL)
        names = "ifgo"
    else:
        gates = caches[0][2]
        names = "rzn"
    for j, name in enumerate(names):
        np.testing.assert_allclose(r["gates"][name], [gates[t][j][0] for t in range(T)], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("scale", [0.5, 1.0, 3.0])
def test_gradient_norms_match_reference(scale, global_random_seed):
    r = demos.gradient_norms(length=25, scale=scale, hidden_size=5, input_size=3, seed=global_random_seed)
    _json_roundtrip(r)
    T, H = 25, 5
    dy = np.zeros((T, 1, H))
    dy[-1, 0, :] = 1.0 / math.sqrt(H)
    for cell in ("rnn", "lstm", "gru"):
        p = _arrays(r["params"][cell])
        _, _, caches = ref.forward(cell, p, _x(r))
        _, _, _, norms = ref.backward(cell, caches, dy)
        np.testing.assert_allclose(r["norms"][cell], norms[0], rtol=1e-8, atol=1e-300)
        assert r["norms"][cell][-1] == pytest.approx(1.0)


def test_gradient_norms_vanish_for_a_small_recurrent_scale():
    r = demos.gradient_norms(length=60, scale=0.5, hidden_size=8, seed=1)
    assert r["norms"]["rnn"][0] < 1e-6 * r["norms"]["rnn"][-1]


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_bidirectional_trace_matches_reference(cell, global_random_seed):
    r = demos.bidirectional_trace(sentence="the cat sat on the mat", cell=cell, hidden_size=3,
                                  seed=global_random_seed)
    _json_roundtrip(r)
    assert r["tokens"] == ["the", "cat", "sat", "on", "the", "mat"]
    p = _arrays(r["params"])
    assert "weight_ih_l0_reverse" in p
    y, _, _ = ref.forward(cell, p, _x(r))
    np.testing.assert_allclose(r["concat"], y[:, 0, :], rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(np.concatenate([r["forward"], r["backward"]], axis=1), r["concat"])
    # the backward direction's last step has read only the last word: it is the forward pass of a 1-word sequence
    fwd_only = {k[:-len("_reverse")]: v for k, v in p.items() if k.endswith("_reverse")}
    y1, _, _ = ref.forward(cell, fwd_only, _x(r)[-1:])
    np.testing.assert_allclose(r["backward"][-1], y1[0, 0], rtol=RTOL, atol=ATOL)


def _tiny_charlm(seed=0, vocab="ab c.", H=4):
    rng = np.random.default_rng(seed)
    V = len(vocab)
    lstm = {"weight_ih_l0": rng.normal(0, 0.8, (4 * H, V)), "weight_hh_l0": rng.normal(0, 0.8, (4 * H, H)),
            "bias_ih_l0": rng.normal(0, 0.1, 4 * H), "bias_hh_l0": np.zeros(4 * H)}
    out = {"weight": rng.normal(0, 1.5, (V, H)), "bias": rng.normal(0, 0.3, V)}
    model = {"vocab": vocab, "hidden_size": H, "key": f"tiny-{seed}",
             "lstm": {k: v.tolist() for k, v in lstm.items()}, "out": {k: v.tolist() for k, v in out.items()}}
    return model, lstm, out


def test_greedy_sample_matches_reference():
    model, lstm, out = _tiny_charlm()
    r = demos.sample(model, prompt="ab", temperature=0, n=12)
    vocab = model["vocab"]
    onehot = np.eye(len(vocab))
    text, seq = "", [vocab.index(c) for c in "ab"]
    for _ in range(12):                                        # the reference reruns the whole prefix each step
        y, _, _ = ref.forward("lstm", lstm, onehot[seq][:, None, :])
        k = int(np.argmax(out["weight"] @ y[-1, 0] + out["bias"]))
        text += vocab[k]
        seq.append(k)
    assert r["text"] == text


def test_sample_is_seeded_and_temperature_changes_it():
    model, _, _ = _tiny_charlm(1)
    a = demos.sample(model, prompt="a", temperature=1.0, n=40, seed=3)
    assert a == demos.sample(model, prompt="a", temperature=1.0, n=40, seed=3)
    assert a["text"] != demos.sample(model, prompt="a", temperature=3.0, n=40, seed=3)["text"]
    assert set(a["text"]) <= set(model["vocab"])


def _numbers(obj):
    if isinstance(obj, dict):
        return [v for value in obj.values() for v in _numbers(value)]
    if isinstance(obj, list):
        return [v for value in obj for v in _numbers(value)]
    return [obj]


def _rnn_h2(q):
    h = 0.0
    for x in q["x"]:
        h = math.tanh(q["w_x"] * x + q["w_h"] * h + q["b"])
    return h


def _lstm_c1(q):
    s = lambda a: 1 / (1 + math.exp(-a))  # noqa: E731
    a = {g: v["w_x"] * q["x"][0] + v["w_h"] * q["h0"] + v["b"] for g, v in q["gates"].items()}
    return s(a["f"]) * q["c0"] + s(a["i"]) * math.tanh(a["g"])


@pytest.mark.parametrize("kind, formula", [("rnn-h2", _rnn_h2), ("lstm-c1", _lstm_c1)])
@pytest.mark.parametrize("seed", [0, 1, 2, 12345])
def test_quiz_items_are_graded_by_the_core(kind, formula, seed):
    item = demos.quiz_item(kind, seed)
    _json_roundtrip(item)
    assert item == demos.quiz_item(kind, seed)                 # same seed, same numbers
    expected = formula(item["numbers"])
    assert all(round(v, 1) == v for v in _numbers(item["numbers"]))   # one decimal: workable by hand
    right = demos.quiz_grade(kind, seed, f"{expected:.3f}")
    assert right["correct"] and right["expected"] == pytest.approx(expected, abs=1e-4)
    assert demos.quiz_grade(kind, seed, str(expected + 0.02))["correct"] is False
    assert demos.quiz_grade(kind, seed, "not a number")["correct"] is False
    assert set(item) == {"kind", "seed", "numbers", "tolerance"}      # numbers only: the page makes the markup


def test_quiz_items_change_with_the_seed():
    assert demos.quiz_item("rnn-h2", 1)["numbers"] != demos.quiz_item("rnn-h2", 2)["numbers"]


@pytest.mark.parametrize("call, message", [
    (lambda: demos.hidden_state_trace(sequence=""), "empty"),
    (lambda: demos.hidden_state_trace(cell="transformer"), "cell must be one of"),
    (lambda: demos.hidden_state_trace(hidden_size=0), "hidden_size"),
    (lambda: demos.gate_trace(cell="lstm", gate_bias={"z": 1.0}), "no gate"),
    (lambda: demos.gate_trace(overrides={"weight_hh_l0[9,9]": 1.0}), "outside"),
    (lambda: demos.gate_trace(overrides={"nope[0]": 1.0}), "unknown weight"),
    (lambda: demos.gradient_norms(length=10_000), "length"),
    (lambda: demos.gradient_norms(length=float("inf")), "whole number"),
    (lambda: demos.race_init(task="sorting", races=demos.Races()), "task"),
    (lambda: demos.sample({"key": "never-sent"}), "not loaded"),
    (lambda: demos.gradient_norms(scale=float("nan")), "finite"),
    (lambda: demos.quiz_item("gru-h3", 0), "kind"),
])
def test_bad_input_is_a_clear_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_demos_run_without_numpy():
    """In Pyodide there is no numpy: the demos must work through the core's numpy-free path."""
    code = textwrap.dedent("""
        import sys, json
        sys.modules["numpy"] = None            # any `import numpy` now fails
        from rnncore import demos
        r = demos.gate_trace(cell="lstm", gate_bias={"f": 2.0})
        g = demos.gradient_norms(length=12)
        b = demos.bidirectional_trace()
        q = demos.quiz_grade("lstm-c1", 3, "0")
        print(json.dumps([r["h"][-1], g["norms"]["gru"][0], b["concat"][0], q["expected"]]))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    h, g0, b0, q = json.loads(out.stdout)
    r = demos.gate_trace(cell="lstm", gate_bias={"f": 2.0})
    np.testing.assert_allclose(h, r["h"][-1], rtol=1e-12)
    assert g0 == pytest.approx(demos.gradient_norms(length=12)["norms"]["gru"][0], rel=1e-9)


def test_training_race_gated_cells_bridge_the_delay_the_rnn_does_not():
    races = demos.Races()
    race = demos.race_init(task="adding", delay=20, hidden_size=16, seed=0, races=races)
    assert race["cells"] == ["rnn", "lstm", "gru"] and race["loss"] == "mse"
    losses = {cell: [] for cell in race["cells"]}
    for _ in range(8):
        step = demos.race_step(race["id"], 100, races)
        for cell, values in step["losses"].items():
            losses[cell] += values
    _json_roundtrip(step)
    assert step["step"] == 800
    late = {cell: sum(v[-100:]) / 100 for cell, v in losses.items()}
    assert late["lstm"] < 0.1 * race["baseline"] and late["gru"] < 0.1 * race["baseline"], late
    assert late["rnn"] > 0.5 * race["baseline"], late
    demos.race_stop(race["id"], races)
    with pytest.raises(ValueError, match="no training race"):
        demos.race_step(race["id"], 1, races)


def test_race_ids_stay_unique_after_the_oldest_race_is_forgotten():
    races = demos.Races()
    ids = [demos.race_init(task="copy", delay=1, hidden_size=1, batch_size=1, races=races)["id"]
           for _ in range(demos.MAX_RACES + 2)]
    assert len(set(ids)) == len(ids)
    assert demos.race_step(ids[-1], 1, races)["step"] == 1            # the newest is live
    with pytest.raises(ValueError, match="no training race"):       # the oldest was forgotten, not overwritten
        demos.race_step(ids[0], 1, races)
    for race_id in ids:
        demos.race_stop(race_id, races)


def test_races_live_in_the_session_store_not_the_module():
    """Two sessions (two workers, or a worker and the build's previews) never see each other's races."""
    mine, theirs = demos.Races(), demos.Races()
    race = demos.race_init(task="copy", delay=2, hidden_size=2, races=mine)
    with pytest.raises(ValueError, match="no training race"):
        demos.race_step(race["id"], 1, theirs)
    with pytest.raises(TypeError, match="races: expected a demos.Races store"):
        demos.race_step(race["id"], 1)


def test_training_race_is_reproducible():
    races = demos.Races()
    a = demos.race_init(task="copy", delay=5, seed=3, races=races)
    b = demos.race_init(task="copy", delay=5, seed=3, races=races)
    assert demos.race_step(a["id"], 5, races)["losses"] == demos.race_step(b["id"], 5, races)["losses"]


def test_the_shipped_text_model_samples_from_its_vocabulary():
    """.build/models/charlm.json (make models) loads and samples; sent once, then by its key."""
    import pathlib
    path = pathlib.Path(__file__).resolve().parents[2] / ".build" / "models" / "charlm.json"
    if not path.exists():
        pytest.skip("no .build/models/charlm.json: run `make models`")
    model = json.loads(path.read_text())
    assert model["training"]["final_loss"] < 0.8 * math.log(len(model["vocab"]))    # it learned something
    loaded = LoadedModels()                                                        # what the worker keeps
    first = demos.sample(model, prompt="The ", temperature=0.0, n=80, loaded=loaded)
    again = demos.sample({"key": model["key"]}, prompt="The ", temperature=0.0, n=80, loaded=loaded)
    assert first == again and len(first["text"]) == 80 and set(first["text"]) <= set(model["vocab"])
    assert " the " in first["text"]                                                # words, not noise
