"""What the application lessons' live demos ask of the core: JSON in, JSON out (like ``rnncore.demos``).

The worker calls these through ``rnncore.demos`` (which re-exports them) inside Pyodide, without numpy. Models
trained at build time (``build/train_*.py``) arrive as their JSON the first time and are kept in the caller's
``loaded`` store (``rnncore._requests.LoadedModels``; the engine's worker passes its own) by their ``key``; later
requests may send ``{"key": ...}`` alone.

- forecasting: ``forecast_run`` (the shipped model's forecast of the held-out months) and ``forecast_train`` (a
  fresh model trained here, in the reader's browser, then the same forecast).
- sentiment: ``sentiment_read`` (P(positive) after every word, LSTM or GRU, and the bag-of-words verdict).
- translation: ``translate_date`` (a date as people write it -> ISO 8601, with the attention weights).
"""
from . import forecast as _forecast
from . import sentiment as _sentiment
from . import seq2seq as _seq2seq
from ._requests import LoadedModels, check_int

__all__ = ["forecast_run", "forecast_train", "sentiment_read", "translate_date"]

MAX_TEXT = 400                 # characters a reader may send to the sentiment or translation demo

MAX_TRAIN_STEPS = 400          # a fresh browser-side model: enough to learn the season, inside one request's budget
FRESH = "forecast-fresh"       # the kind under which `loaded` keeps the model forecast_train trained last


# ------------------------------------------------------------------------------------------------- forecasting
def _series(model):
    values = _forecast._check_series(model.get("values"), "model values", 40)
    holdout = check_int("model holdout", model.get("holdout"), 1, len(values) - 30)
    return {"values": values, "holdout": holdout, "period": check_int("model period", model.get("period"), 1, 1000),
            "phase0": int(model["model"]["phase0"]), "forecaster": _forecast.Forecaster.from_state(model["model"])}


def _forecast_result(data, forecaster, horizon, **extra):
    values, holdout, period = data["values"], data["holdout"], data["period"]
    horizon = check_int("horizon", horizon, 1, holdout)
    history, truth = values[:-holdout], values[-holdout:][:horizon]
    pred = forecaster.forecast(history, horizon)
    base = {"persistence": _forecast.persistence(history, horizon),
            "seasonal_naive": _forecast.seasonal_naive(history, horizon, period)}
    mae = {"model": _forecast.mae(pred, truth)}
    mae.update({k: _forecast.mae(v, truth) for k, v in base.items()})
    return {"history": history, "truth": truth, "forecast": pred, "baselines": base, "mae": mae,
            "horizon": horizon, **extra}


def forecast_run(model, horizon=24, fresh=None, loaded=None):
    """The shipped forecasting model's forecast of the first `horizon` held-out values (or, with `fresh`, the
    forecast of the model ``forecast_train`` returned that id for).

    Returns {history (the values the model saw), truth (the held-out values), forecast, baselines {persistence,
    seasonal_naive}, mae {model, persistence, seasonal_naive}, horizon, trained ("build" or "browser")}.
    """
    loaded = loaded or LoadedModels()
    data = loaded.load("forecast", model, _series)
    if fresh is None:
        return _forecast_result(data, data["forecaster"], horizon, trained="build")
    entry = loaded.get(FRESH, fresh)
    if entry is None:
        raise ValueError(f"no freshly trained model {fresh!r}: train one with forecast_train")
    f, info = entry
    return _forecast_result(data, f, horizon, trained="browser", fresh=fresh, **info)


def forecast_train(model, horizon=24, steps=200, seed=1, hidden_size=16, loaded=None):
    """Train a fresh GRU on the same history (here, in the engine) for `steps` updates, then forecast as
    ``forecast_run``. The result adds ``losses`` (one per update), ``trained: "browser"`` and ``fresh``, the id
    with which ``forecast_run`` forecasts other horizons with this model (given the same ``loaded``)."""
    loaded = loaded or LoadedModels()
    data = loaded.load("forecast", model, _series)
    steps = check_int("steps", steps, 1, MAX_TRAIN_STEPS)
    seed = check_int("seed", seed, 0, 2**31 - 1)
    hidden_size = check_int("hidden_size", hidden_size, 1, 64)
    f = _forecast.Forecaster(period=data["period"], hidden_size=hidden_size, cell="gru", seed=seed)
    history = data["values"][:-data["holdout"]]
    losses = f.fit(history, steps=steps, window=36, batch_size=16, lr=0.01, phase0=data["phase0"])
    fresh = f"fresh-{seed}-{steps}-{hidden_size}"
    info = {"losses": losses, "steps": steps, "seed": seed, "hidden_size": hidden_size}
    loaded.keep(FRESH, fresh, (f, info))               # one fresh model at a time
    return _forecast_result(data, f, horizon, trained="browser", fresh=fresh, **info)


# --------------------------------------------------------------------------------------------------- sentiment
def _sentiment_models(model):
    vocab = _sentiment.Vocabulary(model["vocab"])
    states = model["models"]
    return {"vocab": vocab, "lstm": _sentiment.SentenceClassifier.from_state(vocab, states["lstm"]),
            "gru": _sentiment.SentenceClassifier.from_state(vocab, states["gru"]),
            "bow": _sentiment.BagOfWords.from_state(vocab, states["bow"])}


def _text(text, name="text"):
    if not isinstance(text, str):
        raise ValueError(f"{name} must be a string; got {type(text).__name__}")
    if len(text) > MAX_TEXT:
        raise ValueError(f"{name} must be at most {MAX_TEXT} characters; got {len(text)}")
    return text


def sentiment_read(model, text="the plot was slow at first, but the ending was wonderful", cell="lstm", loaded=None):
    """Read `text` word by word with the shipped sentiment model (`cell` "lstm" or "gru").

    Returns {tokens, positive (P(positive) after the last word), steps: [{token, known, positive}] one per token,
    unknown (the words the model never saw, read as ``<unk>``), bow (the bag-of-words P(positive)), cell}.
    """
    models = (loaded or LoadedModels()).load("sentiment", model, _sentiment_models)
    if cell not in ("lstm", "gru"):
        raise ValueError(f"cell must be 'lstm' or 'gru'; got {cell!r}")
    tokens = _sentiment.tokenize(_text(text))
    if not tokens:
        raise ValueError("type at least one word")
    vocab = models["vocab"]
    probs = models[cell].read(tokens)
    steps = [{"token": t, "known": vocab.known(t), "positive": p} for t, p in zip(tokens, probs)]
    return {"tokens": tokens, "positive": probs[-1], "steps": steps, "cell": cell,
            "unknown": sorted({t for t in tokens if not vocab.known(t)}),
            "bow": models["bow"].predict([vocab.ids(tokens)])[0]}


# ------------------------------------------------------------------------------------------------- translation
def _translator(model):
    return {"seq2seq": _seq2seq.Seq2Seq.from_state(model["model"]), "out_len": int(model["out_len"])}


def translate_date(model, text="Wed 3 Mar 2021", loaded=None):
    """Translate a date as people write it into ISO 8601 with the shipped encoder-decoder.

    The text is normalised as in training (lower case, single spaces). Returns {input (normalised), tokens (its
    characters), output, attention: one row per output character, one column per input character}.
    """
    m = (loaded or LoadedModels()).load("translation", model, _translator)
    normal = " ".join(_text(text).lower().split())
    output, rows = m["seq2seq"].translate(normal, stop_len=m["out_len"])
    return {"input": normal, "tokens": list(normal), "output": output, "attention": rows}
