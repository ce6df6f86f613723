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


def test_the_three_lessons_add_at_most_a_minute_to_a_clean_build():
    """Each model file records the CPU time its training script took when it last trained (data, training and
    held-out evaluation, one thread, on the machine that built it: wall time on an idle machine, unlike wall time
    on a shared one); the three application lessons' models add up to less than a minute. (A rebuild without
    changes adds nothing: test_model_is_small_and_cached_by_the_hash_of_its_inputs.)"""
    seconds = {name: load(name).get("build_seconds") for name in ("forecast", "sentiment", "translation")}
    assert None not in seconds.values(), f"retrain to record build_seconds (make models; --force): {seconds}"
    assert sum(seconds.values()) < 60, seconds


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
    assert m["levels"] == {"history_min": min(history), "history_max": max(history), "truth_max": max(truth)}


def test_sentiment_models_read_order_and_the_bag_of_words_cannot():
    m = load("sentiment")
    acc, by_kind = m["metrics"]["accuracy"], m["metrics"]["accuracy_by_kind"]
    assert acc["lstm"] > 0.9 and acc["gru"] > 0.9 and acc["bow"] < acc["lstm"] - 0.2
    assert by_kind["bow"]["negation"] < 0.5 < by_kind["lstm"]["negation"]
    assert m["counts"]["heldout"] >= 1000 and m["counts"]["train"] >= 5000
    assert {"good", "bad", "boring", "wonderful"} <= set(m["vocab"])
    example = m["grammar"]["contrast_example"]           # the quiz's contrast question: the labelling rule's answer
    assert example["score"] == script("sentiment").contrast_score(example["s1"], example["s2"])


def test_translation_is_exact_on_at_least_95_percent_of_held_out_dates():
    m = load("translation")
    assert m["metrics"]["exact"] >= 0.95 and m["metrics"]["heldout"] >= 1000
    assert all(v >= 0.9 for v in m["metrics"]["exact_by_format"].values())
    assert m["years"] == [1900, 2099]
    from rnncore import demos
    for text, iso in (("3 March 2021", "2021-03-03"), ("March 3, 2021", "2021-03-03"),
                      ("Wed 3 Mar 2021", "2021-03-03"), ("03.03.2021", "2021-03-03"), ("2021, March 3", "2021-03-03")):
        assert demos.translate_date(model=m, text=text)["output"] == iso, text


SITE = ROOT / "site"


def shipped(name):
    """A model as the built site ships it (engine/models/), and the lesson page that prints its figures."""
    path = SITE / "engine" / "models" / f"{name}.json"
    if not path.is_file():
        pytest.skip("the site is not built (make site)")
    return json.loads(path.read_text(encoding="utf-8"))


def page_text(slug):
    from sequencehub import htmltext
    html = (SITE / "lessons" / slug / "index.html").read_text(encoding="utf-8")
    return " ".join(htmltext.text_of(html).split())


def test_pages_print_the_held_out_figures_of_the_models_they_ship():
    """The figures on the pages are those of the shipped models (the file the demo loads), and they are the core's:
    the held-out accuracies of the shipped sentiment weights, re-evaluated here on the held-out sentences
    regenerated from the training script, are the printed ones."""
    senti, dates, co2 = shipped("sentiment"), shipped("translation"), shipped("forecast")
    text = page_text("sentiment")
    for model in ("lstm", "gru", "bow"):
        assert f"{100 * senti['metrics']['accuracy'][model]:.1f}%" in text, model
    train_sentiment = script("sentiment")
    import random
    from rnncore import sentiment
    words = train_sentiment.adjectives(train_sentiment.lexicon_path(), random.Random(train_sentiment.SEED))
    heldout = train_sentiment.corpus(words, train_sentiment.HELDOUT, train_sentiment.SEED + 1)
    vocab = sentiment.Vocabulary(senti["vocab"])
    examples = [(vocab.ids(sentiment.tokenize(t)), y) for t, y, _ in heldout]
    for name in ("lstm", "gru"):
        model = sentiment.SentenceClassifier.from_state(vocab, senti["models"][name])
        assert sentiment.accuracy(model, examples) == pytest.approx(senti["metrics"]["accuracy"][name], abs=2e-3)
    bow = sentiment.BagOfWords.from_state(vocab, senti["models"]["bow"])
    assert sentiment.accuracy(bow, examples) == pytest.approx(senti["metrics"]["accuracy"]["bow"], abs=2e-3)

    text = page_text("translation")
    assert f"exactly right for {100 * dates['metrics']['exact']:.1f}% of them" in text
    assert dates["metrics"]["exact"] >= 0.95
    for name, value in dates["metrics"]["exact_by_format"].items():
        assert f"{name} {100 * value:.1f}%" in text, name

    text = page_text("forecasting")
    for key in ("gru", "persistence", "seasonal_naive"):
        assert f"{co2['metrics']['mae'][key]:.2f}" in text, key
    from rnncore import forecast
    history, truth = co2["values"][:-co2["holdout"]], co2["values"][-co2["holdout"]:]
    gru = forecast.Forecaster.from_state(co2["model"])
    assert forecast.mae(gru.forecast(history, co2["holdout"]), truth) == pytest.approx(co2["metrics"]["mae"]["gru"],
                                                                                       abs=1e-3)


APPS = {"forecasting": "forecast", "sentiment": "sentiment", "translation": "translation"}      # lesson -> model


def test_the_application_lessons_are_lessons_like_the_others_and_travel_with_the_course():
    """Each has equations, a diagram, a live demo, a quiz, an author card and a skill node with prerequisites; the
    glossary and the FAQ teach their terms; embeds, GIFT/QTI/SCORM exports and the offline cache include them."""
    import re
    import zipfile
    shipped("sentiment")                                      # skips when the site is not built
    course = json.loads(re.search(r'<script type="application/json" id="sequencehub-course">(.*?)</script>',
                                  (SITE / "skills" / "index.html").read_text(encoding="utf-8"), re.S).group(1))
    nodes = {lesson["id"]: lesson for lesson in course["lessons"]}
    sw = (SITE / "sw.js").read_text(encoding="utf-8")
    cached = set(json.loads(re.search(r"const MANIFEST = (\{.*?\});", sw).group(1))["files"])
    for slug, model in APPS.items():
        html = (SITE / "lessons" / slug / "index.html").read_text(encoding="utf-8")
        assert "katex-display" in html, f"{slug}: display equations"
        assert 'class="sh-figure"' in html and "<svg" in html, f"{slug}: a diagram"
        assert f'data-demo="{slug}"' in html and f'data-quiz="{slug}"' in html
        assert 'class="sh-author"' in html, f"{slug}: author card"
        assert nodes[slug]["requires"] and nodes[slug]["quizzes"][0]["xp"] > 0, f"{slug}: skill node"
        for path in (f"embed/{slug}/index.html", f"embed/quiz/{slug}/index.html", f"quizzes/{slug}.gift",
                     f"quizzes/{slug}.qti.zip", f"scorm/{slug}.zip"):
            assert (SITE / path).is_file(), path
        with zipfile.ZipFile(SITE / "scorm" / f"{slug}.zip") as zf:
            assert f"engine/models/{model}.json" in zf.namelist(), f"{slug}: the SCORM package carries its model"
        assert {f"lessons/{slug}/", f"engine/models/{model}.json"} <= cached, f"{slug}: offline cache"
    glossary = (SITE / "glossary" / "index.html").read_text(encoding="utf-8")
    for term, slug in (("seq2seq", "translation"), ("attention", "translation"), ("teacher-forcing", "translation"),
                       ("bag-of-words", "sentiment"), ("persistence-forecast", "forecasting")):
        entry = glossary[glossary.index(f'id="{term}"'):]
        entry = entry[:entry.index("</section>")] if "</section>" in entry else entry[:4000]
        assert f"lessons/{slug}/" in entry, f"glossary {term}: taught in {slug}"
    faq = page_text("../faq")
    for question in ("What is attention?", "What is teacher forcing?", "Can an RNN forecast a time series?",
                     'Why does a bag-of-words model fail on "not good"?'):
        assert question in faq.replace("\u201c", '"').replace("\u201d", '"'), question
