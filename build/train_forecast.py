"""Train the forecasting lesson's GRU on the Mauna Loa CO2 record with rnncore -> .build/models/forecast.json.

Data: the monthly mean CO2 concentration at Mauna Loa Observatory, Hawaii (Scripps CO2 Program, C. D. Keeling et
al.; parts per million, 1958-03 to 2020-04), as shipped by the npm package ``vega-datasets`` (pinned in
package.json; file ``data/co2-concentration.csv``, licence CC BY 4.0). The few months the record lacks are filled by
linear interpolation between their neighbours, and listed in the output.

The last ``HOLDOUT`` months are held out. The model (``rnncore.forecast.Forecaster``: a GRU over the standardised
month-to-month changes plus the month of the year, and a linear readout) is trained on the rest and then forecasts
the held-out months from the history alone, feeding its own predictions back in. Its mean absolute error is
compared with the persistence and seasonal-naive baselines on the same months; every figure the lesson prints is
in the output's ``metrics``.

Cached by content hash (``model_file``): the output records the SHA-256 of its inputs (the data file, this script
and the core modules the training runs through); when they match, nothing is retrained. ``--force`` retrains anyway.

    python build/train_forecast.py [--out .build/models/forecast.json] [--force]
"""
import csv
import datetime
import io
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))   # build/ is scripts: import the sibling
import model_file  # noqa: E402

model_file.one_blas_thread()

ROOT = model_file.ROOT
DATA = ROOT / "node_modules" / "vega-datasets" / "data" / "co2-concentration.csv"
OUT = model_file.MODELS / "forecast.json"
CORE = model_file.CORE
INPUTS = [DATA, pathlib.Path(__file__).resolve(), CORE / "forecast.py", CORE / "train.py", CORE / "tasks.py"]

PERIOD = 12          # months in a season
HOLDOUT = 24         # the held-out tail: the last two years
HIDDEN = 24
WINDOW = 48
BATCH = 32
STEPS = 500
LR = 0.01
SEED = 0

SOURCE = {
    "name": "Monthly mean CO2 at Mauna Loa Observatory, Hawaii",
    "by": "Scripps CO2 Program (C. D. Keeling et al.), Scripps Institution of Oceanography",
    "url": "https://scrippsco2.ucsd.edu/data/atmospheric_co2/primary_mlo_co2_record",
    "licence": "CC BY 4.0",
    "package": "vega-datasets (npm), data/co2-concentration.csv",
    "unit": "ppm",
}


def inputs_hash():
    return model_file.inputs_hash(INPUTS)


def load_series(path=DATA):
    """(first month 'YYYY-MM', monthly values with gaps interpolated, the months that were filled)."""
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    points = {}
    for row in rows:
        d = datetime.date.fromisoformat(row["Date"])
        points[d.year * 12 + d.month - 1] = float(row["CO2"])
    first, last = min(points), max(points)
    values, filled = [], []
    for m in range(first, last + 1):
        if m in points:
            values.append(points[m])
            continue
        lo = max(k for k in points if k < m)
        hi = min(k for k in points if k > m)
        values.append(points[lo] + (points[hi] - points[lo]) * (m - lo) / (hi - lo))
        filled.append(f"{m // 12:04d}-{m % 12 + 1:02d}")
    return f"{first // 12:04d}-{first % 12 + 1:02d}", values, filled


def _r(v, digits=4):
    return round(v, digits)


def train(log=print):
    from rnncore import forecast

    start, values, filled = load_series()
    history, truth = values[:-HOLDOUT], values[-HOLDOUT:]
    phase0 = int(start[5:7]) - 1
    t0 = time.perf_counter()
    model = forecast.Forecaster(period=PERIOD, hidden_size=HIDDEN, cell="gru", seed=SEED)
    losses = model.fit(history, steps=STEPS, window=WINDOW, batch_size=BATCH, lr=LR, phase0=phase0)
    seconds = time.perf_counter() - t0
    log(f"  {STEPS} steps in {seconds:.1f} s, final loss {sum(losses[-50:]) / 50:.3f}")
    pred = model.forecast(history, HOLDOUT)
    baselines = {"persistence": forecast.persistence(history, HOLDOUT),
                 "seasonal_naive": forecast.seasonal_naive(history, HOLDOUT, PERIOD)}
    metrics = {"mae": {"gru": _r(forecast.mae(pred, truth))}}
    metrics["mae"].update({k: _r(forecast.mae(v, truth)) for k, v in baselines.items()})
    metrics["mae_first_year"] = {"gru": _r(forecast.mae(pred[:PERIOD], truth[:PERIOD]))}
    metrics["mae_first_year"].update({k: _r(forecast.mae(v[:PERIOD], truth[:PERIOD])) for k, v in baselines.items()})
    # how many times smaller the GRU's error is than the better baseline's (the lesson's verdict)
    metrics["gain_over_best_baseline"] = _r(min(metrics["mae"]["persistence"], metrics["mae"]["seasonal_naive"])
                                            / metrics["mae"]["gru"])
    log(f"  held-out MAE (ppm): {metrics['mae']}")
    state = model.state()
    state["rnn"] = {k: model_file.rounded(v) for k, v in state["rnn"].items()}
    state["out"] = {k: model_file.rounded(v) for k, v in state["out"].items()}
    n_params = sum(len(train_flat(v)) for v in state["rnn"].values()) + HIDDEN + 1
    first_holdout = _month(start, len(history))
    return {
        "format": 1,
        "key": model_file.key("forecast", [state, values]),
        "description": f"A GRU with {HIDDEN} hidden units trained for {STEPS} updates on the CO2 record to "
                       f"{_month(start, len(history) - 1)}",
        "source": SOURCE,
        "start": start,
        "end": _month(start, len(values) - 1),
        "first_holdout": first_holdout,
        "period": PERIOD,
        "holdout": HOLDOUT,
        "values": [_r(v, 3) for v in values],
        "filled": filled,
        "levels": {"history_min": _r(min(history), 3), "history_max": _r(max(history), 3),
                   "truth_max": _r(max(truth), 3)},
        "model": state,
        "forecast": [_r(v, 3) for v in pred],
        "metrics": metrics,
        "training": {"steps": STEPS, "window": WINDOW, "batch": BATCH, "lr": LR, "optimizer": "adam",
                     "hidden_size": HIDDEN, "cell": "gru", "params": n_params, "seed": SEED,
                     "final_loss": _r(sum(losses[-50:]) / 50), "seconds": round(seconds, 1)},
    }


def train_flat(v):
    return [x for row in v for x in (row if isinstance(row, list) else [row])]



def _month(start, k):
    m = int(start[:4]) * 12 + int(start[5:7]) - 1 + k
    return f"{m // 12:04d}-{m % 12 + 1:02d}"


def main(argv=None):
    args = model_file.parser(__doc__, OUT).parse_args(argv)
    if not DATA.is_file():
        print(f"{DATA} is missing: run `npm ci` (the data come from the pinned npm package vega-datasets)",
              file=sys.stderr)
        return 1
    model_file.build(args, inputs_hash(), train, f"training the forecasting GRU ({STEPS} steps, hidden size {HIDDEN})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
