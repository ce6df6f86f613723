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
# Batches that take the kernels' other paths: B >= 8 (a step's whole product in one call, rnncore._ops
# FUSED_MIN_BATCH), 8- and 4-row register tiles plus leftover rows, a full column tile plus leftover columns, and
# outputs narrower than a tile.
WIDE_SHAPES = [(3, 9, 5, 7), (2, 13, 20, 37)]

