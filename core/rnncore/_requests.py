"""What the JSON request functions of ``rnncore.demos`` and ``rnncore.apps`` share.

- ``check_choice``, ``check_int``, ``check_float``: a reader's argument, checked; bad input is a ``ValueError``
  naming the argument with the expected and the actual value (the page shows its message).
- ``LoadedModels``: the trained models a page has sent. A model's JSON is large, so a page sends it whole once
  and then names it by its ``key``; whoever lives as long as the page keeps one store (the engine's worker,
  ``rnncore.worker``) and passes it to every call. A caller without one gets a fresh store per call and so
  sends the whole model each time.

Plain Python, no numpy: it runs in the engine's worker inside Pyodide.
"""
import math


def check_choice(name, value, choices):
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return value


def check_int(name, value, lo, hi):
    if (isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)
            or value != int(value)):
        raise ValueError(f"{name} must be a whole number; got {value!r}")
    value = int(value)
    if not lo <= value <= hi:
        raise ValueError(f"{name} must be between {lo} and {hi}; got {value}")
    return value


def check_exact_int(name, value, lo, hi=10**7):
    """An int argument of the Python API (tasks, forecasting): a bool or a float is refused, not converted (a
    page's JSON numbers go through :func:`check_int`)."""
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ValueError(f"{name} must be an int in [{lo}, {hi}]; got {value!r}")
    return value


def check_float(name, value, lo=-1e6, hi=1e6):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number; got {value!r}")
    if not lo <= value <= hi:
        raise ValueError(f"{name} must be between {lo} and {hi}; got {value}")
    return float(value)


class LoadedModels:
    """The models a page has sent, one of each kind ("charlm", "forecast", ...), each kept under its key until a
    model of the same kind replaces it (a page holds one of each, so memory stays bounded)."""

    def __init__(self):
        self.held = {}                         # kind -> (key, the model built from its JSON)

    def load(self, kind, model, build, what=None):
        """The model that the JSON ``model`` of ``kind`` describes: ``build(model)`` the first time, then the kept
        one; ``{"key": ...}`` alone names a model sent before. ``what`` names the expected JSON in errors."""
        if not isinstance(model, dict) or not isinstance(model.get("key"), str):
            raise ValueError(f"model must be {what or f'the JSON of the {kind} model'} (with its key); got "
                             f"{type(model).__name__}{'' if not isinstance(model, dict) else ' without a key'}")
        key = model["key"]
        value = self.get(kind, key)
        if value is not None:
            return value
        if set(model) == {"key"}:
            raise ValueError(f"model {key!r} is not loaded: send the whole model once")
        value = build(model)
        self.keep(kind, key, value)
        return value

    def keep(self, kind, key, value):
        """Keep ``value`` as the model of ``kind`` (the one before it is forgotten)."""
        self.held[kind] = (key, value)

    def get(self, kind, key):
        """The kept model of ``kind`` if its key is ``key``, else None."""
        entry = self.held.get(kind)
        return entry[1] if entry is not None and entry[0] == key else None
