"""Train the translation lesson's encoder-decoder (dates as people write them -> ISO 8601) with rnncore
-> .build/models/translation.json.

Data are generated: a date drawn uniformly from 1900-01-01 to 2099-12-31, written in one of the formats below
(``FORMATS``, with the correct weekday where one is named), lower-cased and with single spaces (the demo normalises
what the reader types the same way); the target is the date in ISO 8601, ``YYYY-MM-DD``. ``HELDOUT`` (input,
output) pairs are drawn first with their own seed; training never sees them, and the exact-match rate on them is
the figure the lesson prints.

The model is ``rnncore.seq2seq.Seq2Seq``: a bidirectional GRU encoder, a GRU decoder, additive (Bahdanau)
attention (``rnncore.attention``) and a linear readout, trained with teacher forcing (Adam, clipped gradients) on
batches whose inputs all have the same length (no padding needed).

Cached by content hash (``model_file``): the output records the SHA-256 of its inputs (this script and the core
modules the training runs through); when they match, nothing is retrained. ``--force`` retrains anyway.

    python build/train_translation.py [--out .build/models/translation.json] [--force]
"""
import datetime
import pathlib
import random
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))   # build/ is scripts: import the sibling
import model_file  # noqa: E402

model_file.one_blas_thread()

ROOT = model_file.ROOT
OUT = model_file.MODELS / "translation.json"
CORE = model_file.CORE
INPUTS = [pathlib.Path(__file__).resolve(), CORE / "seq2seq.py", CORE / "attention.py", CORE / "train.py"]

FIRST, LAST = datetime.date(1900, 1, 1), datetime.date(2099, 12, 31)
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

#: how people write 3 March 2021 (Wednesday); every one maps to 2021-03-03
FORMATS = {
    "3 March 2021": lambda d: f"{d.day} {MONTHS[d.month - 1]} {d.year}",
    "March 3, 2021": lambda d: f"{MONTHS[d.month - 1]} {d.day}, {d.year}",
    "Wed 3 Mar 2021": lambda d: f"{DAYS[d.weekday()][:3]} {d.day} {MONTHS[d.month - 1][:3]} {d.year}",
    "03.03.2021": lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}",
    "2021, March 3": lambda d: f"{d.year}, {MONTHS[d.month - 1]} {d.day}",
    "3 Mar 2021": lambda d: f"{d.day} {MONTHS[d.month - 1][:3]} {d.year}",
    "Mar 3, 2021": lambda d: f"{MONTHS[d.month - 1][:3]} {d.day}, {d.year}",
    "Wednesday, 3 March 2021": lambda d: f"{DAYS[d.weekday()]}, {d.day} {MONTHS[d.month - 1]} {d.year}",
}
OUT_VOCAB = "0123456789-"
OUT_LEN = 10                       # YYYY-MM-DD

ENC_HIDDEN, DEC_HIDDEN, ATTENTION = 32, 48, 32
BATCH = 64
STEPS = 500
LR = 0.01
HELDOUT = 1000
SEED = 0


def normalise(text):
    """What the model reads: lower case, single spaces, no spaces at the ends (the demo does the same)."""
    return " ".join(text.lower().split())


def in_vocab():
    chars = set()
    for fmt in FORMATS.values():
        for year in (1900, 2099):
            for month in range(1, 13):
                chars |= set(normalise(fmt(datetime.date(year, month, 28))))
    chars |= set("0123456789")
    return "".join(sorted(chars))


def random_pair(rng):
    d = FIRST + datetime.timedelta(days=rng.randrange((LAST - FIRST).days + 1))
    fmt = FORMATS[rng.choice(sorted(FORMATS))]
    return normalise(fmt(d)), d.isoformat()


class Batches:
    """Same-length batches of (input ids, target ids), time-major, from a seeded stream that skips held-out pairs."""

    def __init__(self, model, heldout, seed):
        self.model, self.heldout = model, set(heldout)
        self.rng = random.Random(seed)
        self.buckets = {}

    def next(self, B):
        while True:
            src, tgt = random_pair(self.rng)
            if (src, tgt) in self.heldout:
                continue
            bucket = self.buckets.setdefault(len(src), [])
            bucket.append((src, tgt))
            if len(bucket) == B:
                self.buckets[len(src)] = []
                src_ids = [self.model.encode_text(s) for s, _ in bucket]
                tgt_ids = [[self.model.out_index[c] for c in t] for _, t in bucket]
                return [list(col) for col in zip(*src_ids)], [list(col) for col in zip(*tgt_ids)]


def inputs_hash():
    return model_file.inputs_hash(INPUTS)


def train(log=print):
    from rnncore import seq2seq, train as rtrain

    rng = random.Random(SEED + 1000)
    heldout = []
    while len(heldout) < HELDOUT:
        pair = random_pair(rng)
        if pair not in heldout:
            heldout.append(pair)
    model = seq2seq.Seq2Seq(in_vocab(), OUT_VOCAB, ENC_HIDDEN, DEC_HIDDEN, ATTENTION, seed=SEED)
    optimizer = rtrain.Adam(model.parameters(), lr=LR, max_norm=1.0)
    batches = Batches(model, heldout, SEED)
    t0 = time.perf_counter()
    losses = []
    for k in range(STEPS):
        if k == int(STEPS * 0.75):
            optimizer.lr = LR / 4                   # a lower rate for the last quarter: the last digits settle
        losses.append(model.train_step(optimizer, *batches.next(BATCH)))
        if k % 300 == 0 or k == STEPS - 1:
            log(f"  step {k:5d}  loss {losses[-1]:.4f}  ({time.perf_counter() - t0:.1f} s)")
    seconds = time.perf_counter() - t0
    exact = seq2seq.exact_match(model, heldout, stop_len=OUT_LEN)
    by_format = {}
    for name, fmt in FORMATS.items():
        pairs = [(s, t) for s, t in heldout if normalise(fmt(datetime.date.fromisoformat(t))) == s]
        if pairs:
            by_format[name] = round(seq2seq.exact_match(model, pairs, stop_len=OUT_LEN), 4)
    log(f"  held-out exact match {exact:.4f} ({seconds:.1f} s); by format {by_format}")
    state = model.state()
    return {
        "format": 1,
        "key": model_file.key("translation", state),
        "description": f"A GRU encoder-decoder with additive attention trained for {STEPS} teacher-forced updates",
        "formats": sorted(FORMATS),
        "out_len": OUT_LEN,
        "years": [FIRST.year, LAST.year],
        "model": state,
        "metrics": {"exact": round(exact, 4), "heldout": HELDOUT, "exact_by_format": by_format},
        "examples": [{"input": s, "output": model.translate(s, stop_len=OUT_LEN)[0], "truth": t}
                     for s, t in heldout[:6]],
        "training": {"steps": STEPS, "batch": BATCH, "lr": LR, "optimizer": "adam", "seed": SEED,
                     "enc_hidden": ENC_HIDDEN, "dec_hidden": DEC_HIDDEN, "attention_size": ATTENTION,
                     "params": model.num_parameters(), "in_vocab": len(model.in_vocab),
                     "final_loss": round(sum(losses[-50:]) / 50, 4), "seconds": round(seconds, 1)},
    }


def main(argv=None):
    args = model_file.parser(__doc__, OUT).parse_args(argv)
    model_file.build(args, inputs_hash(), train, f"training the date translator ({STEPS} steps)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
