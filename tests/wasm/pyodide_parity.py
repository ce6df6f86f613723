"""Run inside Pyodide by tests/wasm/test_wheel_in_node.py: the cases of a golden file through rnncore's public API,
without numpy. Not a test module itself.

Each case: build the model, overwrite its parameters with the native run's (so the parity does not depend on the
two paths drawing the same random numbers), forward (with the case's layers, layout, lengths and dropout: the
dropout masks come from the model's seeded generator, the same in both), backward; return every output as nested
lists.
"""
import json
import sys


def tolist(v):
    if hasattr(v, "tolist"):
        return v.tolist()
    if isinstance(v, dict):
        return {k: tolist(w) for k, w in v.items()}
    if isinstance(v, (list, tuple)):
        return [tolist(w) for w in v]
    return v


def flat(nested):
    out = []
    stack = [nested]
    while stack:
        v = stack.pop()
        if isinstance(v, list):
            stack.extend(reversed(v))
        else:
            out.append(v)
    return out


def set_param(buf, values):
    """Write ``values`` (nested lists) into the model's parameter buffer ``buf`` (a shaped memoryview) in place."""
    mv = memoryview(buf)
    view = mv.cast("B").cast(mv.format)
    vals = flat(values)
    if len(vals) != len(view):
        raise ValueError(f"parameter size {len(view)} != {len(vals)}")
    for i, v in enumerate(vals):
        view[i] = v


def run_case(case):
    import rnncore
    cls = {"rnn": rnncore.RNN, "lstm": rnncore.LSTM, "gru": rnncore.GRU}[case["cell"]]
    m = cls(input_size=case["I"], hidden_size=case["H"], bidirectional=case["bidirectional"],
            dtype=case["dtype"], seed=case["seed"], num_layers=case.get("num_layers", 1),
            batch_first=case.get("batch_first", False), dropout=case.get("dropout", 0.0))
    for name, values in case["params"].items():
        set_param(m.params[name], values)
    state = case["state"]
    if state is not None and case["cell"] == "lstm":
        state = tuple(state)
    y, final = m.forward(case["x"], state=state, lengths=case.get("lengths"))
    gates = tolist(m.gates_by_layer if case.get("num_layers", 1) > 1 else m.gates)
    dstate = case["dstate"]
    if dstate is not None and case["cell"] == "lstm":
        dstate = tuple(dstate)
    grads, dx, dstate0 = m.backward(case["dy"], dstate=dstate)
    return {"y": tolist(y), "state": tolist(final), "grads": tolist(grads), "dx": tolist(dx),
            "dstate0": tolist(dstate0), "grad_h_norms": tolist(m.grad_h_norms), "gates": gates,
            "grad_h_norms_by_layer": tolist(m.grad_h_norms_by_layer),
            "param_types": sorted({type(v).__name__ for v in m.params.values()})}


def demo_calls():
    """The JSON functions the site's demos call (rnncore.demos), as a page would call them. Run natively and in
    Pyodide by the same code: the results must agree."""
    from rnncore import demos
    out = {
        "hidden_state_trace": demos.hidden_state_trace(),
        "hidden_state_trace_lstm": demos.hidden_state_trace(sequence="hello", cell="lstm"),
        "gate_trace_lstm": demos.gate_trace(),
        "gate_trace_gru": demos.gate_trace(cell="gru"),
        "gradient_norms": demos.gradient_norms(length=30),
        "bidirectional_trace": demos.bidirectional_trace(),
        "quiz_item_rnn": demos.quiz_item("rnn-h2", 7),
        "quiz_grade_rnn": demos.quiz_grade("rnn-h2", 7, "0.5"),
        "quiz_item_lstm": demos.quiz_item("lstm-c1", 3),
        "quiz_grade_lstm": demos.quiz_grade("lstm-c1", 3, "0"),
    }
    races = demos.Races()
    race = demos.race_init(task="adding", delay=5, hidden_size=8, seed=1, batch_size=4, races=races)
    out["race_init"] = {k: v for k, v in race.items() if k != "id"}
    out["race_step"] = demos.race_step(race["id"], steps=3, races=races)["losses"]
    demos.race_stop(race["id"], races)
    return json.loads(json.dumps(out))


def main(path):
    with open(path) as f:
        cases = json.load(f)
    assert "numpy" not in sys.modules, "numpy got imported"
    out = {}
    for key, case in cases.items():
        try:
            out[key] = run_case(case)
        except Exception as e:                      # report per case, keep the others running
            import traceback
            out[key] = {"error": "".join(traceback.format_exception(e))[-2000:]}
    try:
        out["_demos"] = demo_calls()
    except Exception as e:
        import traceback
        out["_demos"] = {"error": "".join(traceback.format_exception(e))[-3000:]}
    out["_numpy_imported"] = "numpy" in sys.modules
    return json.dumps(out)
