"""Forecasting one real-valued series with a recurrent model, and the two baselines it must beat.

The recipe (the forecasting lesson explains each choice):

1. **Model the changes, not the levels.** A series with a trend (the Mauna Loa CO2 record rises every year) leaves
   the range the network saw in training; its month-to-month differences ``d_t = y_t - y_{t-1}`` do not.
   They are standardised with the training part's mean and standard deviation: ``z_t = (d_t - mean) / std``.
2. **Tell it the season.** Each input step is ``[z_t, sin(2 pi m / P), cos(2 pi m / P)]`` with ``m`` the position of
   step ``t+1`` in the season of ``P`` steps (the month being predicted), so the network need not infer the phase.
3. **One step ahead in training, many in use.** The cell reads windows of the training part and predicts
   ``z_{t+1}`` at every step (mean squared error). To forecast ``horizon`` steps it reads the whole history, then
   feeds each prediction back in as the next input; the predicted changes are summed onto the last level.

Baselines on the same held-out tail: **persistence** (every future value equals the last one seen) and
**seasonal naive** (each future value equals the value one season earlier: ``y_{T+h-P*ceil(h/P)}``).

Works with or without numpy, like ``rnncore.train`` (the browser's engine has none): the series is a plain list of
floats; the cell runs in the compiled core.

Equations::

    d_t = y_t - y_{t-1},      z_t = (d_t - mean) / std
    x_t = [z_t, sin(2 pi m_{t+1} / P), cos(2 pi m_{t+1} / P)]
    h_t = GRU(x_t, h_{t-1}),  zhat_{t+1} = w . h_t + b
    yhat_{T+k} = y_T + sum_{j=1..k} (mean + std * zhat_{T+j})
"""
import math

from . import api, tasks, train
from . import _buffers as buf
from ._requests import check_exact_int

__all__ = ["SeriesWindows", "Forecaster", "persistence", "seasonal_naive", "mae", "differences"]

CELLS = {"gru": api.GRU, "lstm": api.LSTM}


def differences(values):
    """y_1 - y_0, ..., y_{n-1} - y_{n-2} for a list of n numbers."""
    return [b - a for a, b in zip(values, values[1:])]


def _check_series(values, name="values", min_len=3):
    if not isinstance(values, (list, tuple)) or len(values) < min_len:
        raise ValueError(f"{name} must be a list of at least {min_len} numbers; got "
                         f"{type(values).__name__} of length {len(values) if hasattr(values, '__len__') else '?'}")
    out = []
    for i, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ValueError(f"{name}[{i}] must be a finite number; got {v!r}")
        out.append(float(v))
    return out


def _season(phase, period):
    a = 2.0 * math.pi * (phase % period) / period
    return math.sin(a), math.cos(a)


class SeriesWindows(tasks.Task):
    """Random windows of a standardised difference series: x (T, B, 3), target (T, B, 1) the next change.

    ``z`` are the standardised differences, ``phase0`` the season position of ``z[0]``'s step, ``period`` the
    season length. Read out at every step with mean squared error; always answering 0 (the mean change) scores
    about 1, the variance of ``z``.
    """

    name = "series"
    input_size, output_size = 3, 1
    loss, readout = "mse", "all"
    baseline_rule = "always predict the mean change"
    baseline = 1.0

    def __init__(self, z, phase0, period, length, seed=0):
        super().__init__(seed)
        self.z, self.phase0, self.period = list(z), int(phase0), int(period)
        self.length = check_exact_int("length", length, 2, len(self.z) - 1)

    def _generate(self, B):
        T, z = self.length, self.z
        x = [0.0] * (T * B * 3)
        target = [0.0] * (T * B)
        for b in range(B):
            s = self.rng.randrange(len(z) - T)
            for t in range(T):
                k = (t * B + b)
                sin, cos = _season(self.phase0 + s + t + 1, self.period)
                x[3 * k], x[3 * k + 1], x[3 * k + 2] = z[s + t], sin, cos
                target[k] = z[s + t + 1]
        return x, (T, B, 3), target, (T, B, 1)


class Forecaster:
    """A GRU (or LSTM) and a linear readout that forecast a series from its standardised changes.

    Parameters
    ----------
    period : int
        Season length in steps (12 for monthly data).
    hidden_size : int
    cell : {"gru", "lstm"}
    seed : int
        Initial weights and the training batches.

    Attributes
    ----------
    model : rnncore.GRU or LSTM
    readout : rnncore.train.Linear
    mean, std : float
        Of the training differences (set by ``fit``).
    phase0 : int
        Season position of the first value of the series ``fit`` saw (``forecast`` continues from it).
    """

    def __init__(self, period=12, hidden_size=24, cell="gru", seed=0):
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {sorted(CELLS)}; got {cell!r}")
        self.period = check_exact_int("period", period, 1, 10_000)
        self.hidden_size = check_exact_int("hidden_size", hidden_size, 1, 256)
        self.cell, self.seed = cell, seed
        self.model = CELLS[cell](input_size=3, hidden_size=hidden_size, dtype="float64", seed=seed)
        self.readout = train.Linear(hidden_size, 1, dtype="float64", seed=seed)
        self.mean, self.std, self.phase0 = 0.0, 1.0, 0
        self.losses = []

    def fit(self, values, steps=400, window=36, batch_size=32, lr=0.01, phase0=0):
        """Train on the series ``values`` (a list of levels) for ``steps`` Adam updates; returns the losses.

        ``phase0`` is the season position of ``values[0]`` (e.g. its month minus 1).
        """
        values = _check_series(values, min_len=window + 3)
        check_exact_int("steps", steps, 1, 100_000)
        d = differences(values)
        n = len(d)
        self.mean = sum(d) / n
        self.std = math.sqrt(sum((v - self.mean) ** 2 for v in d) / n) or 1.0
        self.phase0 = int(phase0)
        z = [(v - self.mean) / self.std for v in d]
        # d[0] is the change into values[1]: its step is one past values[0]'s
        task = SeriesWindows(z, self.phase0 + 1, self.period, window, seed=self.seed)
        trainer = train.Trainer(self.model, task, readout=self.readout, optimizer="adam", lr=lr, max_norm=1.0,
                                batch_size=batch_size, seed=self.seed)
        self.losses = trainer.run(steps)
        return self.losses

    def _inputs(self, z, first_phase):
        return [[[v, *_season(first_phase + t + 1, self.period)]] for t, v in enumerate(z)]

    def _predict(self, y):
        h = train.to_list(y)[-1][0]
        return train.to_list(self.readout.forward([h]))[0][0]

    def forecast(self, values, horizon):
        """The next ``horizon`` levels after the series ``values`` (which starts at season position ``phase0``)."""
        values = _check_series(values)
        horizon = check_exact_int("horizon", horizon, 1, 1000)
        z = [(v - self.mean) / self.std for v in differences(values)]
        y, state = self.model.forward(self._inputs(z, self.phase0 + 1))
        level, out = values[-1], []
        phase = self.phase0 + len(values)              # season position of the step after the last value
        for k in range(horizon):
            zhat = self._predict(y)
            level += self.mean + self.std * zhat
            out.append(level)
            if k + 1 < horizon:
                y, state = self.model.forward(self._inputs([zhat], phase + k), state)
        return out

    def state(self):
        """Everything ``from_state`` needs, as JSON values (weights as nested lists)."""
        return {"cell": self.cell, "hidden_size": self.hidden_size, "period": self.period, "mean": self.mean,
                "std": self.std, "phase0": self.phase0,
                "rnn": {k: train.to_list(v) for k, v in self.model.params.items()},
                "out": {k: train.to_list(v) for k, v in self.readout.params.items()}}

    @classmethod
    def from_state(cls, state):
        """A Forecaster from ``state()``'s JSON."""
        if not isinstance(state, dict) or not {"cell", "hidden_size", "rnn", "out"} <= set(state):
            raise ValueError("state must be a Forecaster.state() dict with cell, hidden_size, rnn and out")
        f = cls(period=int(state.get("period", 12)), hidden_size=int(state["hidden_size"]), cell=state["cell"])
        f.model.load_state_dict(state["rnn"])
        for name, value in state["out"].items():
            flat = buf.to_flat(value)[0]
            target = buf.writable_flat(f.readout.params[name])
            for i, v in enumerate(flat):
                target[i] = v
        f.mean, f.std, f.phase0 = float(state["mean"]), float(state["std"]), int(state["phase0"])
        return f


def persistence(history, horizon):
    """Every future value equals the last one seen."""
    history = _check_series(history, "history", 1)
    return [history[-1]] * check_exact_int("horizon", horizon, 1, 10**6)


def seasonal_naive(history, horizon, period):
    """Each future value equals the value one season earlier: y_{T+h} = y_{T+h-P*ceil(h/P)}."""
    period = check_exact_int("period", period, 1, 10**6)
    history = _check_series(history, "history", period)
    horizon = check_exact_int("horizon", horizon, 1, 10**6)
    n = len(history)
    return [history[n - 1 + h - period * math.ceil(h / period)] for h in range(1, horizon + 1)]


def mae(pred, truth):
    """Mean absolute error of two equally long lists."""
    if len(pred) != len(truth) or not pred:
        raise ValueError(f"pred and truth must be non-empty and equally long; got {len(pred)} and {len(truth)}")
    return sum(abs(p - t) for p, t in zip(pred, truth)) / len(pred)
