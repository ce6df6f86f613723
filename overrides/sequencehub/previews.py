"""First pictures: each demo's default result, computed when the site is built, shipped inside the demo's markup.

A demo on a page is an empty ``<div class="sh-demo" data-demo="...">`` until the engine (Pyodide + the compiled
core, seconds on a phone) is up. :func:`add_previews` computes, for each demo it knows, the result of the call the
demo makes with its default settings -- the same ``rnncore.demos`` function the worker calls, here on the native
core -- and puts ``{fn, kwargs, result}`` in a ``<script type="application/json" data-sh-preview>`` inside the
demo's root (data, never run: no inline script for a Content-Security-Policy to allow). The demo draws it at
once with ``data-status="preview"``, and the live result replaces it when the engine answers (``ready``).

The demos' defaults are restated below from their scripts; the browser uses a preview only when its own call
(function and arguments) is exactly the one stored, so a default changed on one side only costs the preview,
never shows a wrong picture (tests/browser/test_previews.py checks every demo gets one).
"""
from __future__ import annotations

import json
import math
import pathlib
import re

from . import htmltext

_NUMBER = re.compile(r"^[-+]?\d*\.?\d+(e[-+]?\d+)?$", re.I)


def _js_number(text, default):
    """`Number(text) || default`, as the demos read a numeric setting."""
    try:
        value = float(text) if text not in (None, "") else 0.0
    except ValueError:
        value = 0.0
    return value if value and math.isfinite(value) else default


def _cell(attrs, default, allowed=("rnn", "lstm", "gru")):
    cell = attrs.get("data-cell")
    return cell if cell in allowed else default


def _sequence(text):
    """gate-inspector.js's parseSequence: numbers when every part is one, else the text itself."""
    parts = [p for p in re.split(r"[\s,;]+", text) if p]
    if parts and all(_NUMBER.match(p) for p in parts):
        return [float(p) for p in parts]
    return text


def _gate_trace(attrs):
    cell = "gru" if attrs.get("data-cell") == "gru" else "lstm"
    bias = {"f": 1.0, "i": 0.0, "o": 0.0} if cell == "lstm" else {"z": 0.0, "r": 0.0}
    return {"sequence": _sequence(attrs.get("data-sequence") or "1, 0, 0, 0, 1, 0, 0, 0"), "cell": cell,
            "hidden_size": 3, "seed": 0, "weight_scale": 1.0, "gate_bias": bias}


def _gradient_norms(attrs):
    bias = attrs.get("data-gate-bias")
    return {"length": _js_number(attrs.get("data-length"), 50), "scale": _js_number(attrs.get("data-scale"), 1.0),
            "gate_bias": 2.0 if bias is None else _js_number(bias, 0.0), "hidden_size": 8, "input_size": 4,
            "seed": 0}


def _race(attrs):
    task = "copy" if attrs.get("data-task") == "copy" else "adding"
    return {"task": task, "delay": _js_number(attrs.get("data-delay"), 20), "hidden_size": 16, "seed": 0}


def _horizon(attrs):
    """forecasting.js: Math.min(24, Math.max(1, Number(data-horizon) || 24))."""
    return {"horizon": min(24, max(1, _js_number(attrs.get("data-horizon"), 24)))}


def _sample(attrs):
    """text-generation.js: data-prompt || "The ", Number(data-temperature ?? 0.7), 240 characters, seed 1."""
    temperature = attrs.get("data-temperature")
    try:
        temperature = 0.7 if temperature is None else float(temperature)
    except ValueError:
        return None                     # not a number as Python reads it: no preview (it only costs the picture)
    return {"prompt": attrs.get("data-prompt") or "The ", "temperature": temperature, "n": 240, "seed": 1}


RACE_UPDATES = 300        # the build's race: as many updates as the lesson's numbers need to tell the cells apart
RACE_CHUNK = 20


def call(fn, kwargs):
    """What the engine's worker answers the page for ``fn(**kwargs)`` (rnncore.worker.call: the same allow-list,
    the same JSON), on the native core."""
    from rnncore import worker
    return json.loads(worker.call(fn, json.dumps(kwargs)))


def race_run(kwargs, updates=RACE_UPDATES):
    """A whole training race, as the demo runs it (race_init, then race_step in chunks): the race's description
    (without the id of a race that no longer exists) and every cell's losses."""
    race = call("race_init", kwargs)
    losses = {cell: [] for cell in race["cells"]}
    try:
        for _ in range(0, updates, RACE_CHUNK):
            for cell, values in call("race_step", {"id": race["id"], "steps": RACE_CHUNK})["losses"].items():
                losses[cell].extend(values)
    finally:
        call("race_stop", {"id": race["id"]})
    return {"race": {k: v for k, v in race.items() if k != "id"}, "losses": losses}


#: demo name -> (rnncore.demos function, its default keyword arguments from the demo root's attributes, the
#: shipped model it reads or None)
DEFAULTS = {
    "training-race": ("race_init", _race, None),
    "hidden-state": ("hidden_state_trace", lambda a: {"sequence": a.get("data-sequence") or "hello",
                                                      "cell": _cell(a, "rnn"), "hidden_size": 6, "seed": 0}, None),
    "vanishing-gradient": ("gradient_norms", _gradient_norms, None),
    "gate-inspector": ("gate_trace", _gate_trace, None),
    "bidirectional": ("bidirectional_trace", lambda a: {
        "sentence": a.get("data-sentence") or "the cat that the dog chased ran away", "cell": _cell(a, "gru"),
        "hidden_size": 3, "seed": 0}, None),
    "sentiment": ("sentiment_read", lambda a: {
        "text": a.get("data-text") or "the plot was slow at first, but the ending was wonderful",
        "cell": _cell(a, "lstm", ("lstm", "gru"))}, "sentiment"),
    "translation": ("translate_date", lambda a: {"text": a.get("data-text") or "Wed 3 Mar 2021"}, "translation"),
    "forecasting": ("forecast_run", _horizon, "forecast"),
    "text-generation": ("sample", _sample, "charlm"),
}


def as_sent(obj):
    """The arguments as the worker receives them from the page: JSON from JavaScript, where 2.0 is 2."""
    if isinstance(obj, float) and obj.is_integer():
        return int(obj)
    if isinstance(obj, dict):
        return {k: as_sent(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [as_sent(v) for v in obj]
    return obj


def _round(obj, digits=5):
    """Fewer bytes in the page: a preview is a picture, five significant decimals are more than a pixel."""
    if isinstance(obj, float):
        return float(f"{obj:.{digits}g}")
    if isinstance(obj, dict):
        return {k: _round(v, digits) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_round(v, digits) for v in obj]
    return obj


def model_summary(model):
    """A shipped model's descriptive fields, what a demo draws with besides the result (key, description, dates,
    the data's source...), sent in a preview instead of the whole file: its top-level scalars and flat objects
    of scalars, never its weights or data."""
    def scalar(v):
        return isinstance(v, (str, int, float, bool)) or v is None
    return {k: v for k, v in model.items() if scalar(v) or (isinstance(v, dict) and all(map(scalar, v.values())))}


class Previews:
    """One build's previews: each (function, arguments) is computed once, however many pages show it.
    ``models``: the folder of the shipped models (the plugin's), for demos that read one; without it those demos
    have no preview."""

    def __init__(self, models=None):
        self.cache = {}
        self.models = models
        self.loaded = {}

    def model(self, name):
        """The shipped model ``name`` (its JSON), or None when this build ships none."""
        if name not in self.loaded:
            path = self.models and pathlib.Path(self.models) / f"{name}.json"
            self.loaded[name] = json.loads(path.read_text(encoding="utf-8")) if path and path.is_file() else None
        return self.loaded[name]

    def result(self, fn, kwargs, model=None):
        key = (fn, json.dumps(kwargs, sort_keys=True))
        if key not in self.cache:
            # the native core: the build needs it for lessons' numbers anyway
            if fn == "race_init":
                result = race_run(kwargs)
            else:
                result = call(fn, kwargs if model is None else {**kwargs, "model": model})
            self.cache[key] = _round(result)
        return self.cache[key]

    def payload(self, spec, attrs):
        """``{fn, kwargs, result}`` of a demo root with these attributes, or None (its model is not shipped, or its
        settings are not ones this side reads as the page does)."""
        fn, defaults, model_name = spec
        kwargs = defaults(attrs)
        if kwargs is None:
            return None
        kwargs = as_sent(kwargs)
        model = None
        if model_name is not None:
            model = self.model(model_name)
            if model is None:
                return None
            kwargs = {"model": model_summary(model), **kwargs}
        return {"fn": fn, "kwargs": kwargs, "result": self.result(fn, kwargs, model)}

    def add(self, content):
        """`content` (a page's HTML) with a preview inside every demo root that has defaults here."""
        def with_preview(el):
            spec = DEFAULTS.get(el.attrs.get("data-demo"))
            if spec is None or el.inner_end == el.end:          # no defaults here, or no end tag to put it before
                return None
            payload = self.payload(spec, el.attrs)
            if payload is None:
                return None
            payload = json.dumps(payload, separators=(",", ":")).replace("</", "<\\/")
            tag = f'<script type="application/json" data-sh-preview>{payload}</script>'
            return el.source[el.start:el.inner_end] + tag + el.source[el.inner_end:el.end]

        return htmltext.replace_elements(content, htmltext.with_attribute("data-demo"), with_preview)
