"""Numbers the application lessons show, from the models trained at build time (mkdocs-macros module).

``build/train_*.py`` train each lesson's model with ``rnncore`` and write what the page prints (held-out scores,
sizes, training settings) into the model's JSON under ``.build/models/``. The macros here only read those files,
from the folder the sequencehub plugin ships its models from (its ``models_dir`` option, else the copy a shipped
wheel carries): nothing is typed by hand, and a page whose model has not been trained fails the (strict) build
with the command that trains it.
"""
from __future__ import annotations

import json
from pathlib import Path

MODELS = {"forecast": "train_forecast.py", "sentiment": "train_sentiment.py", "translation": "train_translation.py"}


class AppModels:
    """The trained models' JSON, read once per build from ``models_dir`` (None: the plugin found no models)."""

    def __init__(self, models_dir: Path | None):
        self.models_dir = Path(models_dir) if models_dir is not None else None
        self._cache: dict[str, dict] = {}

    def get(self, name: str) -> dict:
        if name not in MODELS:
            raise ValueError(f"unknown application model {name!r}: expected one of {sorted(MODELS)}")
        if name not in self._cache:
            path = self.models_dir / f"{name}.json" if self.models_dir is not None else None
            if path is None or not path.is_file():
                raise FileNotFoundError(f"{path or name + '.json'} is missing: train it with `python build/"
                                        f"{MODELS[name]}` (`make models` trains every model; the sequencehub "
                                        "plugin's models_dir option says where they are)")
            self._cache[name] = json.loads(path.read_text(encoding="utf-8"))
        return self._cache[name]

    def forecast_split(self) -> tuple[list, list]:
        """The forecasting series as its model saw it: (the training history, the held-out months)."""
        m = self.get("forecast")
        n = len(m["values"]) - m["holdout"]
        return m["values"][:n], m["values"][n:]

    def fact(self, name: str, path: str):
        """The value at dotted ``path`` in model ``name``'s JSON, e.g. ``fact("forecast", "metrics.mae.gru")``."""
        value = self.get(name)
        for part in path.split("."):
            if isinstance(value, list):
                value = value[int(part)]
            elif isinstance(value, dict) and part in value:
                value = value[part]
            else:
                raise KeyError(f"{name}.json has no {path!r} (stopped at {part!r})")
        return value


def _num(value, digits: int) -> str:
    return f"{float(value):.{digits}f}"


def define_env(env):
    """mkdocs-macros entry point: the models are found where the sequencehub plugin copies them from."""
    plugin = env.conf.plugins.get("sequencehub")
    register(env, plugin.models_folder(env.conf) if plugin is not None else None)


def register(env, models_dir: Path | None):
    """Register the application lessons' macros on ``env`` (mkdocs-macros' or any object with ``macro``), reading
    the models in ``models_dir``."""
    models = AppModels(models_dir)

    @env.macro
    def app_fact(name: str, path: str, digits: int | None = None):
        """One fact of a trained application model; floats rounded to ``digits`` decimals when given."""
        value = models.fact(name, path)
        return _num(value, digits) if digits is not None else value

    @env.macro
    def forecast_table() -> str:
        """Held-out mean absolute errors of the GRU and the two baselines, first year and both years."""
        m = models.get("forecast")
        mae, first = m["metrics"]["mae"], m["metrics"]["mae_first_year"]
        names = {"gru": "GRU (trained by rnncore)", "seasonal_naive": "Seasonal naive (same month last year)",
                 "persistence": "Persistence (last value)"}
        rows = [f"| Forecast | MAE, first {m['period']} months (ppm) | MAE, all {m['holdout']} months (ppm) |",
                "|:--|--:|--:|"]
        for key in sorted(names, key=lambda k: mae[k]):
            rows.append(f"| {names[key]} | {_num(first[key], 2)} | {_num(mae[key], 2)} |")
        return "\n".join(rows)

    @env.macro
    def forecast_seasonal_naive(h: int) -> str:
        """rnncore's seasonal-naive forecast of the series ``h`` months after the training history ends."""
        from rnncore import forecast  # noqa: PLC0415 - the core computes it, as in the demo

        history, _ = models.forecast_split()
        return _num(forecast.seasonal_naive(history, int(h), models.fact("forecast", "period"))[-1], 2)

    @env.macro
    def forecast_history_value(months_before_end: int) -> str:
        """The observed value ``months_before_end`` months before the training history's last (0: the last)."""
        history, _ = models.forecast_split()
        return _num(history[len(history) - 1 - int(months_before_end)], 2)

    @env.macro
    def sentiment_table() -> str:
        """Held-out accuracy of the LSTM, the GRU and the bag of words: overall and per kind of sentence."""
        m = models.get("sentiment")
        acc, by_kind, n = m["metrics"]["accuracy"], m["metrics"]["accuracy_by_kind"], m["counts"]["heldout_by_kind"]
        kinds = [k for k in ("plain", "negation", "and", "contrast") if k in n]
        heads = {"plain": "one clause", "negation": "negated clause", "and": "A and B", "contrast": "A, but B"}
        names = {"lstm": "LSTM", "gru": "GRU", "bow": "Bag of words"}
        rows = ["| Model | All held-out | " + " | ".join(f"{heads[k]} ({n[k]:,})" for k in kinds) + " |",
                "|:--|--:|" + "--:|" * len(kinds)]
        for key in ("lstm", "gru", "bow"):
            cells = " | ".join(f"{100 * by_kind[key][k]:.1f}%" for k in kinds)
            rows.append(f"| {names[key]} | {100 * acc[key]:.1f}% | {cells} |")
        return "\n".join(rows)

    @env.macro
    def translation_table() -> str:
        """Held-out exact-match rate of the date translator per input format."""
        m = models.get("translation")
        by = m["metrics"]["exact_by_format"]
        rows = ["| Format (as written for 3 March 2021) | Exact on held-out |", "|:--|--:|"]
        for name in sorted(by, key=lambda k: (-by[k], k)):
            rows.append(f"| `{name}` | {100 * by[name]:.1f}% |")
        return "\n".join(rows)

    @env.macro
    def translation_attention(text: str) -> dict:
        """The shipped translator's answer to ``text``, by rnncore (the demo's call): {output, rows (output
        characters), columns (input characters), weights (rows x columns)}."""
        from rnncore import apps  # noqa: PLC0415 - the core computes it, as in the demo

        r = apps.translate_date(models.get("translation"), text)
        rows, columns = len(r["attention"]), len(r["attention"][0])
        return {"output": r["output"], "rows": rows, "columns": columns, "weights": sum(map(len, r["attention"]))}

    @env.macro
    def percent(name: str, path: str, digits: int = 1) -> str:
        """A fraction in a model's JSON as a percentage."""
        return f"{100 * float(models.fact(name, path)):.{digits}f}%"

    @env.macro
    def forecast_level(which: str) -> str:
        """A level of the CO2 series the training script recorded (ppm, 1 decimal): "history_min", "history_max"
        or "truth_max"."""
        return _num(models.fact("forecast", f"levels.{which}"), 1)

    @env.macro
    def forecast_verdict() -> str:
        """How the trained GRU's held-out error compares with the two baselines', in words."""
        mae = models.fact("forecast", "metrics.mae")
        beaten = [name for key, name in (("persistence", "persistence"), ("seasonal_naive", "seasonal naive"))
                  if mae["gru"] < mae[key]]
        if len(beaten) == 2:
            ratio = models.fact("forecast", "metrics.gain_over_best_baseline")
            return f"beats both baselines: its error is {ratio:.1f} times smaller than the better of the two"
        if beaten:
            return f"beats {beaten[0]} only"
        return "does not beat either baseline in this build"
