"""rnncore.worker, the engine worker's Python side (numpy-free: the core suite runs it in Pyodide too)."""
import json

import pytest

from rnncore import demos, worker


def test_call_returns_the_demo_result_as_json():
    got = json.loads(worker.call("gate_trace", json.dumps({"cell": "gru", "sequence": [1, 0, 1]})))
    assert got == json.loads(json.dumps(demos.gate_trace(cell="gru", sequence=[1, 0, 1])))


@pytest.mark.parametrize("fn", ["_model", "__class__", "math", "nope"])
def test_call_only_reaches_the_public_demo_functions(fn):
    with pytest.raises(ValueError, match="has no function"):
        worker.call(fn, "{}")


def test_bad_arguments_reach_the_page_as_the_demos_value_error():
    with pytest.raises(ValueError, match="empty"):
        worker.call("hidden_state_trace", json.dumps({"sequence": ""}))


def test_non_finite_numbers_become_null():
    assert worker._finite({"a": [float("nan"), 1.0, float("inf")], 2: (3,)}) == {"a": [None, 1.0, None], "2": [3]}


def test_run_captures_output_and_the_last_expression():
    session = worker.Playground()
    out = json.loads(session.run("x = 6\nprint('hi')\nx * 7"))
    assert out == {"stdout": "hi\n", "stderr": "", "result": "42"}
    assert json.loads(session.run("x + 1"))["result"] == "7"            # the namespace lives on
    assert json.loads(session.run("x + 1;"))["result"] is None          # a trailing ; silences it
    assert json.loads(session.run("rnncore.RNN(input_size=1, hidden_size=2).num_parameters"))["result"] == "10"


def test_run_reports_the_readers_error_from_their_code():
    out = json.loads(worker.Playground().run("a = 1\n1 / 0"))
    assert out["result"] is None and out["stdout"] == ""
    assert out["stderr"].startswith("Traceback") and 'File "<playground>", line 2' in out["stderr"]
    assert "ZeroDivisionError" in out["stderr"] and "worker.py" not in out["stderr"]
    syntax = json.loads(worker.Playground().run("def f(:\n"))
    assert "SyntaxError" in syntax["stderr"] and "worker.py" not in syntax["stderr"]


def test_run_clips_a_flood_of_output():
    out = json.loads(worker.Playground().run(f"print('x' * {worker.CLIP + 10}, end='')"))
    assert out["stdout"].startswith("x" * worker.CLIP) and "10 more characters not shown" in out["stdout"]


def test_the_worker_keeps_a_model_sent_once_and_refuses_a_store_from_the_page():
    demos_side = worker.Demos()
    model = {"key": "tiny", "vocab": "ab", "hidden_size": 2,
             "lstm": {"weight_ih_l0": [[0.5, -0.5]] * 8, "weight_hh_l0": [[0.1, 0.2]] * 8,
                      "bias_ih_l0": [0.0] * 8, "bias_hh_l0": [0.0] * 8},
             "out": {"weight": [[1.0, -1.0], [-1.0, 1.0]], "bias": [0.0, 0.0]}}
    kwargs = {"prompt": "ab", "temperature": 0, "n": 5}
    first = json.loads(demos_side.call("sample", json.dumps({"model": model, **kwargs})))
    again = json.loads(demos_side.call("sample", json.dumps({"model": {"key": "tiny"}, **kwargs})))
    assert again == first and len(first["text"]) == 5
    with pytest.raises(ValueError, match="not loaded"):          # another worker has not seen it
        worker.Demos().call("sample", json.dumps({"model": {"key": "tiny"}, **kwargs}))
    with pytest.raises(ValueError, match="no argument 'loaded'"):
        demos_side.call("sample", json.dumps({"model": {"key": "tiny"}, "loaded": {}, **kwargs}))


def test_the_worker_keeps_its_races_and_refuses_a_race_store_from_the_page():
    demos_side = worker.Demos()
    race = json.loads(demos_side.call("race_init", json.dumps({"task": "copy", "delay": 2, "hidden_size": 2})))
    step = json.loads(demos_side.call("race_step", json.dumps({"id": race["id"], "steps": 2})))
    assert step["step"] == 2 and set(step["losses"]) == set(race["cells"])
    with pytest.raises(ValueError, match="no training race"):    # another worker has not started it
        worker.Demos().call("race_step", json.dumps({"id": race["id"], "steps": 1}))
    with pytest.raises(ValueError, match="no argument 'races'"):
        demos_side.call("race_step", json.dumps({"id": race["id"], "steps": 1, "races": {}}))
