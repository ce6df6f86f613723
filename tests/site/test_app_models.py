"""The application lessons' trained models (make models -> .build/models/): small, good enough to teach with,
cached by the content hash of their inputs, and the figures their pages print.

Skipped when the models have not been trained (make models; make test trains them first)."""
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / ".build" / "models"
SCRIPTS = {"forecast": "train_forecast.py", "sentiment": "train_sentiment.py", "translation": "train_translation.py",
           "charlm": "train_charlm.py"}


def load(name):
    path = MODELS / f"{name}.json"
    if not path.is_file():
        pytest.skip(f"{path.name} not trained (make models)")
    return json.loads(path.read_text(encoding="utf-8"))


def script(name):
    return build_module(f"train_{name}", SCRIPTS[name])


def build_module(name, filename):
    spec = importlib.util.spec_from_file_location(name, ROOT / "build" / filename)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_model_file_trains_only_when_an_input_or_a_setting_changes(tmp_path, capsys):
    mf = build_module("model_file", "model_file.py")
    data, out = tmp_path / "data.txt", tmp_path / "models" / "x.json"
    data.write_text("first", encoding="utf-8")
    calls = []

    def train():
        calls.append(1)
        return {"key": mf.key("x", [[0.5]]), "weights": mf.rounded([[1.23456789, -2e-9]], 3)}

    args = mf.parser("Train x.\nMore.", out).parse_args([])
    model = mf.build(args, mf.inputs_hash([data]), train, "training x")
    assert json.loads(out.read_text(encoding="utf-8")) == model and model["weights"] == [[1.23, -2e-9]]
    assert model["inputs_hash"] == mf.inputs_hash([data]) and model["key"].startswith("x-") and len(model["key"]) == 14
    assert mf.build(args, mf.inputs_hash([data]), train, "training x") is None and len(calls) == 1
    assert "x.json is up to date" in capsys.readouterr().out
    data.write_text("second", encoding="utf-8")                              # an input changed: retrain
    assert mf.build(args, mf.inputs_hash([data]), train, "training x") is not None and len(calls) == 2
    forced = mf.parser("Train x.", out).parse_args(["--force"])
    assert mf.build(forced, mf.inputs_hash([data]), train, "training x") is not None and len(calls) == 3
    assert mf.inputs_hash([data], "steps=1") != mf.inputs_hash([data], "steps=2")
    assert sorted(p.name for p in out.parent.iterdir()) == ["x.json"]     # written whole: no temporary file left


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_model_is_small_and_cached_by_the_hash_of_its_inputs(name):
    model = load(name)
    assert (MODELS / f"{name}.json").stat().st_size < 1_000_000
    assert model["inputs_hash"] == script(name).inputs_hash(), "the shipped model is stale: run make models"
    run = subprocess.run([sys.executable, str(ROOT / "build" / SCRIPTS[name])], capture_output=True, text=True,
                         timeout=60, cwd=ROOT)
    assert run.returncode == 0 and "up to date" in run.stdout, run.stdout + run.stderr


def test_forecast_beats_the_baselines_on_held_out_months():
    m = load("forecast")
    mae = m["metrics"]["mae"]
    assert mae["gru"] < min(mae["persistence"], mae["seasonal_naive"])
    assert len(m["forecast"]) == m["holdout"] == 24 and m["start"] == "1958-03"
    from rnncore import forecast
    history = m["values"][:-m["holdout"]]
    truth = m["values"][-m["holdout"]:]
    assert forecast.mae(forecast.seasonal_naive(history, 24, 12), truth) == pytest.approx(mae["seasonal_naive"],
                                                                                          abs=1e-3)


def test_sentiment_models_read_order_and_the_bag_of_words_cannot():
    m = load("sentiment")
    acc, by_kind = m["metrics"]["accuracy"], m["metrics"]["accuracy_by_kind"]
    assert acc["lstm"] > 0.9 and acc["gru"] > 0.9 and acc["bow"] < acc["lstm"] - 0.2
    assert by_kind["bow"]["negation"] < 0.5 < by_kind["lstm"]["negation"]
    assert m["counts"]["heldout"] >= 1000 and m["counts"]["train"] >= 5000
    assert {"good", "bad", "boring", "wonderful"} <= set(m["vocab"])


def test_translation_is_exact_on_at_least_95_percent_of_held_out_dates():
    m = load("translation")
    assert m["metrics"]["exact"] >= 0.95 and m["metrics"]["heldout"] >= 1000
    assert all(v >= 0.9 for v in m["metrics"]["exact_by_format"].values())
    assert m["years"] == [1900, 2099]
    from rnncore import demos
    for text, iso in (("3 March 2021", "2021-03-03"), ("March 3, 2021", "2021-03-03"),
                      ("Wed 3 Mar 2021", "2021-03-03"), ("03.03.2021", "2021-03-03"), ("2021, March 3", "2021-03-03")):
        assert demos.translate_date(model=m, text=text)["output"] == iso, text
