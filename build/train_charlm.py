"""Train the text-generation demo's character-level LSTM natively with rnncore -> .build/models/charlm.json.

The corpus is build/corpus.txt (written for this project, public domain). The model is one rnncore.LSTM layer and
a linear readout to the vocabulary, trained with rnncore.train (softmax cross-entropy, Adam with clipping) on
random windows of the corpus; the browser samples from it with rnncore.demos.sample, through the same core
compiled to WebAssembly.

Cached by content hash (``model_file``): the output records the SHA-256 of its inputs (the corpus, this script,
the core's training loop and the step count); when they match, nothing is retrained. ``--force`` retrains anyway.
Deterministic: a fixed seed and step count, so two builds ship the same weights.

    python build/train_charlm.py [--out .build/models/charlm.json] [--steps N] [--force]
"""
import pathlib
import random
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))   # build/ is scripts: import the sibling
import model_file  # noqa: E402

model_file.one_blas_thread()

ROOT = model_file.ROOT
CORPUS = ROOT / "build" / "corpus.txt"
INPUTS = [CORPUS, pathlib.Path(__file__).resolve(), model_file.CORE / "train.py"]
OUT = model_file.MODELS / "charlm.json"

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
    params = {name: model_file.rounded(np.asarray(v).tolist()) for name, v in model.params.items()}
    out = {name: model_file.rounded(np.asarray(v).tolist()) for name, v in trainer.readout.params.items()}
    return {
        "format": 1,
        "key": model_file.key("charlm", [vocab, params, out]),
        "description": f"A character-level LSTM trained for {steps} steps on a {len(text) // 1000} kB story",
        "vocab": vocab,
        "hidden_size": HIDDEN,
        "lstm": params,
        "out": out,
        "training": {"steps": steps, "seq_len": SEQ_LEN, "batch": BATCH, "lr": LR, "optimizer": "adam",
                     "final_loss": round(final, 4), "seconds": round(time.perf_counter() - t0, 1),
                     "corpus": "build/corpus.txt"},
    }


def inputs_hash(steps=STEPS):
    return model_file.inputs_hash(INPUTS, f"steps={steps}")


def main(argv=None):
    ap = model_file.parser(__doc__, OUT)
    ap.add_argument("--steps", type=int, default=STEPS)
    args = ap.parse_args(argv)
    model = model_file.build(args, inputs_hash(args.steps), lambda: train(args.steps),
                             f"training the character-level LSTM ({args.steps} steps, hidden size {HIDDEN})")
    if model is not None:
        print(f"final loss {model['training']['final_loss']}, {model['training']['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
