"""Test cases shared by the core's test modules (imported by name: pytest puts tests/core on sys.path)."""
import os

# The seed every test starts from; RNNCORE_TEST_SEED=<n> reruns the whole suite with another one.
SEED = int(os.environ.get("RNNCORE_TEST_SEED", "0"))

# Per-dtype tolerances for "compiled core == reference" (rtol, atol).
TOL = {"float64": (1e-9, 1e-11), "float32": (2e-4, 2e-5)}

CELLS = ["rnn", "lstm", "gru"]
DTYPES = ["float32", "float64"]
DIRECTIONS = [False, True]
# Tiny shapes first (thinc's lists): (T, B, I, H)
SHAPES = [(1, 1, 1, 1), (1, 2, 1, 3), (2, 1, 3, 1), (5, 3, 4, 6), (7, 2, 9, 5)]

