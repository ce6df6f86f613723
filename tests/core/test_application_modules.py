"""The application lessons' core: rnncore.forecast (baselines, a forecaster that learns, numpy-free forecasts),
rnncore.sentiment (tokens, unknown words, an order-blind bag of words, numpy-free reading) and rnncore.apps (the
JSON functions the demos call, through rnncore.demos, with their bad-input errors)."""
import json
import math
import random

import numpy as np
import pytest

from rnncore import _buffers, demos, forecast, sentiment, seq2seq, train
from rnncore._requests import LoadedModels

from core_cases import SEED


def json_round_trip(obj):
    return json.loads(json.dumps(obj))


# ------------------------------------------------------------------------------------------------- forecasting
def seasonal_series(n=160, period=12, trend=0.2, amplitude=3.0):
    return [10 + trend * t + amplitude * math.sin(2 * math.pi * t / period) for t in range(n)]


def test_baselines_follow_their_definitions():
    history = [float(v) for v in range(1, 25)]               # 24 values, period 12
    assert forecast.persistence(history, 3) == [24.0, 24.0, 24.0]
    # h = 1..12 copy the last season (values 13..24); h = 13 copies the same months again
    assert forecast.seasonal_naive(history, 13, 12) == [13.0 + k for k in range(12)] + [13.0]
    assert forecast.mae([1.0, 3.0], [2.0, 1.0]) == 1.5
    with pytest.raises(ValueError, match="history"):
        forecast.seasonal_naive(history[:5], 3, 12)
    with pytest.raises(ValueError, match="horizon"):
        forecast.persistence(history, 0)
    with pytest.raises(ValueError, match=r"values\[2\]"):
        forecast.Forecaster().forecast([1.0, 2.0, float("nan"), 4.0], 2)


def test_forecaster_beats_both_baselines_on_a_trend_with_a_season():
    series = seasonal_series()
    history, truth = series[:-24], series[-24:]
    f = forecast.Forecaster(period=12, hidden_size=12, seed=SEED)
    losses = f.fit(history, steps=250, window=36, batch_size=16, lr=0.01)
    assert sum(losses[-20:]) < 0.2 * sum(losses[:20])
    pred = f.forecast(history, 24)
    assert forecast.mae(pred, truth) < forecast.mae(forecast.seasonal_naive(history, 24, 12), truth)
    assert forecast.mae(pred, truth) < forecast.mae(forecast.persistence(history, 24), truth)


def test_forecast_is_the_same_without_numpy(monkeypatch):
    series = seasonal_series(80)
    f = forecast.Forecaster(period=12, hidden_size=5, seed=SEED)
    f.fit(series, steps=5, window=20, batch_size=4)
    state = json_round_trip(f.state())
    with_numpy = forecast.Forecaster.from_state(state).forecast(series, 6)
    monkeypatch.setattr(_buffers, "HAVE_NUMPY", False)
    without = forecast.Forecaster.from_state(state).forecast(series, 6)
    np.testing.assert_allclose(without, with_numpy, rtol=1e-12)
    assert with_numpy == pytest.approx(f.forecast(series, 6), rel=1e-5)      # the state keeps the weights


@pytest.fixture
def forecast_model():
    series = seasonal_series(120)
    f = forecast.Forecaster(period=12, hidden_size=6, seed=SEED)
    f.fit(series[:-12], steps=20, window=24, batch_size=8)
    return json_round_trip({"key": "forecast-test", "values": series, "holdout": 12, "period": 12,
                            "model": f.state()})


def test_forecast_demo_functions(forecast_model):
    loaded = LoadedModels()                                                  # what the worker keeps
    r = demos.forecast_run(model=forecast_model, horizon=5, loaded=loaded)
    assert set(r) >= {"history", "truth", "forecast"} and r["trained"] == "build"
    assert len(r["history"]) == 108 and len(r["truth"]) == len(r["forecast"]) == 5
    values = forecast_model["values"]       # {history: what the model saw, truth: held out, forecast: of the truth}
    assert r["history"] == values[:108] and r["truth"] == values[108:113]
    model = forecast.Forecaster.from_state(forecast_model["model"])
    assert r["forecast"] == pytest.approx(model.forecast(values[:108], 5), rel=1e-12)
    assert r["mae"]["seasonal_naive"] == pytest.approx(forecast.mae(r["baselines"]["seasonal_naive"], r["truth"]))
    again = demos.forecast_run(model={"key": "forecast-test"}, horizon=5, loaded=loaded)          # kept by its key
    assert again == r
    fresh = demos.forecast_train(model={"key": "forecast-test"}, horizon=12, steps=10, seed=3, hidden_size=4,
                                 loaded=loaded)
    assert fresh["trained"] == "browser" and len(fresh["losses"]) == 10 and len(fresh["forecast"]) == 12
    shorter = demos.forecast_run(model={"key": "forecast-test"}, horizon=4, fresh=fresh["fresh"], loaded=loaded)
    assert shorter["forecast"] == fresh["forecast"][:4]
    with pytest.raises(ValueError, match="horizon must be between 1 and 12"):
        demos.forecast_run(model={"key": "forecast-test"}, horizon=13, loaded=loaded)
    with pytest.raises(ValueError, match="no freshly trained model"):
        demos.forecast_run(model={"key": "forecast-test"}, fresh="fresh-0-0-0", loaded=loaded)
    with pytest.raises(ValueError, match="steps must be between"):
        demos.forecast_train(model={"key": "forecast-test"}, steps=10_000, loaded=loaded)
    with pytest.raises(ValueError, match="send the whole model once"):
        demos.forecast_run(model={"key": "another"}, loaded=loaded)


# --------------------------------------------------------------------------------------------------- sentiment
def tiny_corpus():
    rng = random.Random(SEED)
    rows = []
    for _ in range(400):
        word, label = rng.choice([("good", 1), ("bad", 0)])
        if rng.random() < 0.5:
            rows.append((f"it was not {word}", 1 - label))
        else:
            rows.append((f"it was {word}", label))
    return rows


def test_tokens_and_unknown_words():
    assert sentiment.tokenize("The plot was slow at first, but WONDERFUL!") == \
        ["the", "plot", "was", "slow", "at", "first", ",", "but", "wonderful", "!"]
    assert sentiment.tokenize("didn't") == ["didn't"]
    vocab = sentiment.Vocabulary(["good", "bad"])
    assert vocab.ids(["good", "zzz"]) == [vocab.index["good"], 0] and not vocab.known("zzz")
    with pytest.raises(TypeError, match="text must be a string"):
        sentiment.tokenize(3)


def test_bag_of_words_is_order_blind_and_the_lstm_is_not():
    rows = tiny_corpus()
    vocab = sentiment.Vocabulary([t for text, _ in rows for t in sentiment.tokenize(text)])
    examples = [(vocab.ids(sentiment.tokenize(t)), y) for t, y in rows]
    bow = sentiment.BagOfWords(vocab, seed=SEED)
    bow.fit(examples, epochs=2)
    a, b = vocab.ids(["it", "was", "not", "good"]), vocab.ids(["not", "good", "it", "was"])
    assert bow.predict([a])[0] == pytest.approx(bow.predict([b])[0], rel=1e-12)
    lstm = sentiment.SentenceClassifier(vocab, "lstm", hidden_size=8, seed=SEED)
    lstm.fit(examples, epochs=6, lr=0.02)
    assert sentiment.accuracy(lstm, examples) > 0.95                 # negation needs the order
    assert sentiment.accuracy(bow, examples) < 0.8                   # "not" cannot flip a word it does not see
    steps = lstm.read(["it", "was", "not", "good"])
    assert len(steps) == 4 and steps[-1] < 0.5


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_sentences_of_different_lengths_share_a_batch_through_lengths(cell, monkeypatch):
    """A padded batch of sentences of different lengths (the core told each one's ``lengths``) gives each sentence
    exactly what it gives alone; training takes such batches (mixed lengths in one batch)."""
    rows = tiny_corpus()
    vocab = sentiment.Vocabulary([t for text, _ in rows for t in sentiment.tokenize(text)])
    m = sentiment.SentenceClassifier(vocab, cell, hidden_size=5, seed=SEED)
    sentences = [vocab.ids(s.split()) for s in ("it was not good", "it was bad", "good", "it was not bad")]
    x, lengths = m._x(sentences)
    assert lengths == [4, 3, 1, 4] and _buffers.shape_any(x) == (4, 4, len(vocab))
    batch = m.predict(sentences)
    alone = [m.read([vocab.words[k] for k in s])[-1] for s in sentences]
    assert batch == pytest.approx(alone, rel=1e-12)
    have_numpy = _buffers.HAVE_NUMPY
    monkeypatch.setattr(_buffers, "HAVE_NUMPY", False)                 # the same without numpy
    assert m.predict(sentences) == pytest.approx(alone, rel=1e-10)
    monkeypatch.setattr(_buffers, "HAVE_NUMPY", have_numpy)
    batches = sentiment.batches([(s, 1) for s in sentences * 4], 8, random.Random(SEED))
    assert [len(b) for b in batches] == [8, 8] and any(len({len(s) for s, _ in b}) > 1 for b in batches)
    calls = []
    real = train.train_step
    monkeypatch.setattr(train, "train_step", lambda *a, **k: calls.append(k["lengths"]) or real(*a, **k))
    m.fit([(s, 1) for s in sentences * 4], epochs=1, batch_size=8)
    assert len(calls) == 2 and any(c is not None and len(set(c)) > 1 for c in calls)     # mixed, told by lengths


def test_sentiment_read_without_numpy_matches_and_reports_unknown_words(monkeypatch):
    rows = tiny_corpus()[:60]
    vocab = sentiment.Vocabulary([t for text, _ in rows for t in sentiment.tokenize(text)])
    examples = [(vocab.ids(sentiment.tokenize(t)), y) for t, y in rows]
    states = {}
    for cell in ("lstm", "gru"):
        m = sentiment.SentenceClassifier(vocab, cell, hidden_size=4, seed=SEED)
        m.fit(examples, epochs=1)
        states[cell] = m.state(digits=17)
    bow = sentiment.BagOfWords(vocab, seed=SEED)
    states["bow"] = bow.state(digits=17)
    model = json_round_trip({"key": "sentiment-test", "vocab": vocab.words, "models": states})
    r = demos.sentiment_read(model=model, text="It was not zorg", cell="lstm")
    assert r["tokens"] == ["it", "was", "not", "zorg"] and r["unknown"] == ["zorg"]
    assert [s["known"] for s in r["steps"]] == [True, True, True, False]
    assert r["positive"] == r["steps"][-1]["positive"]
    monkeypatch.setattr(_buffers, "HAVE_NUMPY", False)
    loaded = LoadedModels()                        # a fresh store: the model is rebuilt without numpy, and kept
    again = demos.sentiment_read(model=model, text="It was not zorg", cell="lstm", loaded=loaded)
    assert again["tokens"] == r["tokens"] and again["unknown"] == r["unknown"]
    for got, want in zip(again["steps"], r["steps"]):
        assert got["positive"] == pytest.approx(want["positive"], rel=1e-10)
    assert again["bow"] == pytest.approx(r["bow"], rel=1e-10)
    with pytest.raises(ValueError, match="cell must be"):
        demos.sentiment_read(model={"key": "sentiment-test"}, text="good", cell="rnn", loaded=loaded)
    with pytest.raises(ValueError, match="at least one word"):
        demos.sentiment_read(model={"key": "sentiment-test"}, text="  ;; ", loaded=loaded)
    with pytest.raises(ValueError, match="at most 400 characters"):
        demos.sentiment_read(model={"key": "sentiment-test"}, text="good " * 100, loaded=loaded)


# ------------------------------------------------------------------------------------------------- translation
def test_translate_date_returns_one_attention_row_per_output_character():
    model = seq2seq.Seq2Seq("0123456789 ,.abcdefghijklmnopqrstuvwxyz", "0123456789-", 4, 6, 3, seed=SEED)
    shipped = json_round_trip({"key": "translation-test", "model": model.state(), "out_len": 10})
    loaded = LoadedModels()
    r = demos.translate_date(model=shipped, text="  Wed 3   Mar 2021 ", loaded=loaded)
    assert r["input"] == "wed 3 mar 2021" and r["tokens"] == list("wed 3 mar 2021")
    assert len(r["output"]) == 10 and len(r["attention"]) == 10
    assert all(len(row) == 14 and math.isclose(sum(row), 1.0) for row in r["attention"])
    with pytest.raises(ValueError, match="does not know the character"):
        demos.translate_date(model={"key": "translation-test"}, text="3 März 2021", loaded=loaded)
    with pytest.raises(ValueError, match="model must be the JSON"):
        demos.translate_date(model="translation.json")
