"""Train the text-generation demo's character-level LSTM natively with rnncore -> .build/models/charlm.json.

The corpus is build/corpus.txt (written for this project, public domain). The model is one rnncore.LSTM layer and
a linear readout to the vocabulary, trained with rnncore.train (softmax cross-entropy, Adam with clipping) on
random windows of the corpus; the browser samples from it with rnncore.demos.sample, through the same core
compiled to WebAssembly.

Incremental: does nothing when the output is newer than the corpus and this script (use --force to retrain).
Deterministic: a fixed seed and step count, so two builds ship the same weights.

    python build/train_charlm.py [--out .build/models/charlm.json] [--steps N] [--force]
"""
import argparse
import hashlib
import json
import os
import pathlib
import random
import sys
import time

# Small matrices: one BLAS thread is ~3x faster than a pool fighting over 2 shared cores.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

ROOT = pathlib.Path(__file__).resolve().parents[1]
CORPUS = ROOT / "build" / "corpus.txt"
OUT = ROOT / ".build" / "models" / "charlm.json"

HIDDEN = 64
SEQ_LEN = 48
BATCH = 32
STEPS = 1500
LR = 0.01
SEED = 0


class CharWindows:
    """A task for rnncore.train.Trainer: random windows of the text; predict each next character."""

    loss = "cross_entropy"
    readout = "all"

    def __init__(self, text, vocab, seq_len, seed):
        self.ids = [vocab.index(ch) for ch in text]
        self.V = len(vocab)
        self.output_size = self.V
        self.seq_len = seq_len
        self.rng = random.Random(seed)

    def batch(self, batch_size, dtype="float64"):
        import numpy as np
        T, V = self.seq_len, self.V
        starts = [self.rng.randrange(len(self.ids) - T - 1) for _ in range(batch_size)]
        window = np.array([self.ids[s:s + T + 1] for s in starts]).T          # (T+1, B)
        x = np.zeros((T, batch_size, V), dtype=dtype)
        x[np.arange(T)[:, None], np.arange(batch_size)[None, :], window[:-1]] = 1.0
        return x, window[1:]                                                   # targets (T, B) ints


def _rounded(a, digits=6):
    return [_rounded(v, digits) for v in a] if isinstance(a, list) else float(f"{a:.{digits}g}")


def train(steps, log=print):
    import numpy as np
    import rnncore
    from rnncore import train as rtrain

    text = CORPUS.read_text(encoding="utf-8")
    text = " ".join(text.split())                      # one line: newlines and indentation become single spaces
    vocab = "".join(sorted(set(text)))
    task = CharWindows(text, vocab, SEQ_LEN, SEED)
    model = rnncore.LSTM(input_size=len(vocab), hidden_size=HIDDEN, dtype="float64", seed=SEED)
    # Start the forget gate open (bias 1), the usual LSTM initialisation: memories survive early training.
    b = np.asarray(model.params["bias_ih_l0"])
    b[HIDDEN:2 * HIDDEN] = 1.0
    trainer = rtrain.Trainer(model, task, optimizer="adam", lr=LR, max_norm=1.0, batch_size=BATCH, seed=SEED)
    t0 = time.perf_counter()
    for k in range(steps):
        loss = trainer.step()
        if k % 200 == 0 or k == steps - 1:
            log(f"  step {k:5d}  loss {loss:.3f}  ({time.perf_counter() - t0:.1f} s)")
    final = sum(trainer.losses[-50:]) / len(trainer.losses[-50:])
    params = {name: _rounded(np.asarray(v).tolist()) for name, v in model.params.items()}
    out = {name: _rounded(np.asarray(v).tolist()) for name, v in trainer.readout.params.items()}
    body = json.dumps([vocab, params, out], sort_keys=True).encode()
    return {
        "format": 1,
        "key": "charlm-" + hashlib.sha256(body).hexdigest()[:12],
        "description": f"A character-level LSTM trained for {steps} steps on a {len(text) // 1000} kB story",
        "vocab": vocab,
        "hidden_size": HIDDEN,
        "lstm": params,
        "out": out,
        "training": {"steps": steps, "seq_len": SEQ_LEN, "batch": BATCH, "lr": LR, "optimizer": "adam",
                     "final_loss": round(final, 4), "seconds": round(time.perf_counter() - t0, 1),
                     "corpus": "build/corpus.txt"},
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=pathlib.Path, default=OUT)
    ap.add_argument("--steps", type=int, default=STEPS)
    ap.add_argument("--force", action="store_true")
    args = ap.parse_args(argv)
    inputs = [CORPUS, pathlib.Path(__file__).resolve()]
    if (not args.force and args.out.exists()
            and args.out.stat().st_mtime > max(p.stat().st_mtime for p in inputs)):
        print(f"{args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out} is up to date")
        return 0
    print(f"training the character-level LSTM ({args.steps} steps, hidden size {HIDDEN})")
    model = train(args.steps)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(model, separators=(",", ":")), encoding="utf-8")
    tmp.replace(args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} kB, final loss {model['training']['final_loss']}, "
          f"{model['training']['seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
