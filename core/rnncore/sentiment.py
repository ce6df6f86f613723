"""Word-level sentiment classification: a recurrent classifier that reads a sentence in order, and the
bag-of-words baseline that ignores the order.

- ``tokenize``: lower case; words (with an inner apostrophe) and the punctuation marks , . ! ? as tokens.
- ``Vocabulary``: token -> id, with ``<unk>`` (id 0) for every word the model never saw.
- ``SentenceClassifier``: an LSTM or GRU over one-hot word ids and a linear readout to two classes (negative,
  positive) at the last step, trained with cross-entropy. ``read`` reports P(positive) after every word: the
  readout applied to each intermediate hidden state, the model's running opinion as it reads.
- ``BagOfWords``: logistic regression (a ``Linear`` to two classes) on word counts: every word adds the same
  evidence wherever it stands, so "not good" and "good, not" look alike and "good but dull" equals "dull but good".

A batch holds sentences of different lengths (``batches``): each is padded to the batch's longest, and the core
is told every sentence's length (``lengths``), so the padding never reaches the hidden state the readout reads, nor
the gradients. Works with or without numpy (the browser's engine reads with ``read``; training runs natively).

Equations::

    h_t = LSTM(onehot(w_t), h_{t-1})          (or GRU)
    p_t = softmax(W h_t + b)[positive]         the opinion after word t; the prediction is p_T
    bag of words:  p = softmax(W n + b)[positive],  n_v = count of word v in the sentence
"""
import math
import random
import re

from . import api, train
from . import _buffers as buf

__all__ = ["tokenize", "Vocabulary", "SentenceClassifier", "BagOfWords", "batches", "accuracy"]

UNK = "<unk>"
_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|[,.!?]")
CELLS = {"lstm": api.LSTM, "gru": api.GRU}


def tokenize(text):
    """Lower-cased words and the punctuation , . ! ? of ``text``, in order."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a string; got {type(text).__name__}")
    return _TOKEN.findall(text.lower())


class Vocabulary:
    """Token <-> id; id 0 is ``<unk>``."""

    def __init__(self, tokens):
        words = [UNK] + sorted(set(tokens) - {UNK})
        self.words = words
        self.index = {w: i for i, w in enumerate(words)}

    def __len__(self):
        return len(self.words)

    def ids(self, tokens):
        return [self.index.get(t, 0) for t in tokens]

    def known(self, token):
        return token in self.index and token != UNK


def _softmax2(z0, z1):
    """P(class 1) of two logits, stably."""
    d = z1 - z0
    return 1.0 / (1.0 + math.exp(-d)) if d >= 0 else math.exp(d) / (1.0 + math.exp(d))


def batches(examples, batch_size, rng):
    """(ids, label) examples shuffled into batches of ``batch_size`` (sentences of any lengths): a list of lists."""
    order = list(examples)
    rng.shuffle(order)
    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]


class SentenceClassifier:
    """A recurrent sentence classifier: ``cell`` ("lstm" or "gru") over one-hot ids, a readout to 2 classes."""

    def __init__(self, vocab, cell="lstm", hidden_size=24, seed=0):
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {sorted(CELLS)}; got {cell!r}")
        self.vocab, self.cell, self.hidden_size = vocab, cell, hidden_size
        self.model = CELLS[cell](input_size=len(vocab), hidden_size=hidden_size, dtype="float64", seed=seed)
        if cell == "lstm":                   # forget gate open at the start (bias 1), the usual LSTM practice
            b = buf.writable_flat(self.model.params["bias_ih_l0"])
            for i in range(hidden_size, 2 * hidden_size):
                b[i] = 1.0
        self.readout = train.Linear(hidden_size, 2, seed=seed)

    def _x(self, batch_ids):
        """ids of B sentences -> (one-hot x (T, B, V) padded with zeros past each sentence's end, lengths).

        ``lengths`` is None when every sentence has T words (nothing to tell the core)."""
        lengths = [len(ids) for ids in batch_ids]
        T, B, V = max(lengths), len(batch_ids), len(self.vocab)
        lengths = None if min(lengths) == T else lengths
        np = buf.numpy()
        if np is not None:                      # native training: one scatter instead of a T*B*V Python list
            x = np.zeros((T, B, V))
            t, b = zip(*[(t, b) for b, ids in enumerate(batch_ids) for t in range(len(ids))])
            x[list(t), list(b), [k for ids in batch_ids for k in ids]] = 1.0
            return x, lengths
        x = [0.0] * (T * B * V)
        for b, ids in enumerate(batch_ids):
            for t, k in enumerate(ids):
                x[(t * B + b) * V + k] = 1.0
        return buf.from_flat(x, (T, B, V), "float64"), lengths

    def _last(self, batch_ids):
        """The hidden state after each sentence's last word (B, H)."""
        x, lengths = self._x(batch_ids)
        y, _ = self.model.forward(x, lengths=lengths)
        return train.last_step(y, lengths)

    def fit(self, examples, epochs=3, batch_size=32, lr=0.01, seed=0, unk_rate=0.0):
        """Train on (ids, label) examples; ``unk_rate``: chance that a word is replaced by ``<unk>`` (so the
        model learns what an unknown word is worth). Returns the losses."""
        rng = random.Random(seed)
        optimizer = train.Adam([self.model.params, self.readout.params], lr=lr, max_norm=1.0)
        losses = []
        for _ in range(epochs):
            for batch in batches(examples, batch_size, rng):
                ids = [[0 if rng.random() < unk_rate else k for k in s] for s, _ in batch]
                target = buf.from_flat([label for _, label in batch], (len(batch),), "int64")
                x, lengths = self._x(ids)
                losses.append(train.train_step(self.model, self.readout, optimizer, x, target,
                                               loss="cross_entropy", at="last", lengths=lengths))
        return losses

    def predict(self, batch_ids):
        """P(positive) at the last word of each of B sentences (of any lengths)."""
        out = train.to_list(self.readout.forward(self._last(batch_ids)))
        return [_softmax2(z0, z1) for z0, z1 in out]

    def read(self, tokens):
        """P(positive) after every token of one sentence (a list of floats, one per token)."""
        if not tokens:
            raise ValueError("the sentence has no words")
        y, _ = self.model.forward(self._x([self.vocab.ids(tokens)])[0])
        out = train.to_list(self.readout.forward(y))            # (T, 1, 2)
        return [_softmax2(*row[0]) for row in out]

    def state(self, digits=5):
        def rounded(a):
            return [rounded(v) for v in a] if isinstance(a, list) else float(f"{a:.{digits}g}")
        return {"cell": self.cell, "hidden_size": self.hidden_size,
                "rnn": {k: rounded(train.to_list(v)) for k, v in self.model.params.items()},
                "out": {k: rounded(train.to_list(v)) for k, v in self.readout.params.items()}}

    @classmethod
    def from_state(cls, vocab, state):
        if not isinstance(state, dict) or not {"cell", "hidden_size", "rnn", "out"} <= set(state):
            raise ValueError("state must be a SentenceClassifier.state() dict with cell, hidden_size, rnn and out")
        m = cls(vocab, state["cell"], int(state["hidden_size"]))
        m.model.load_state_dict(state["rnn"])
        _load(m.readout.params, state["out"])
        return m


class BagOfWords:
    """Logistic regression on word counts (two classes), trained by the same optimiser and loss."""

    def __init__(self, vocab, seed=0):
        self.vocab = vocab
        self.readout = train.Linear(len(vocab), 2, seed=seed)

    def _counts(self, batch_ids):
        V = len(self.vocab)
        np = buf.numpy()
        if np is not None:
            x = np.zeros((len(batch_ids), V))
            for b, ids in enumerate(batch_ids):
                np.add.at(x[b], ids, 1.0)
            return x
        x = [0.0] * (len(batch_ids) * V)
        for b, ids in enumerate(batch_ids):
            for k in ids:
                x[b * V + k] += 1.0
        return buf.from_flat(x, (len(batch_ids), V), "float64")

    def fit(self, examples, epochs=3, batch_size=32, lr=0.05, seed=0):
        rng = random.Random(seed)
        optimizer = train.Adam([self.readout.params], lr=lr, max_norm=None)
        losses = []
        for _ in range(epochs):
            for batch in batches(examples, batch_size, rng):
                target = buf.from_flat([label for _, label in batch], (len(batch),), "int64")
                out = self.readout.forward(self._counts([s for s, _ in batch]))
                value, dout = train.softmax_cross_entropy(out, target)
                grads, _ = self.readout.backward(dout)
                optimizer.step([grads])
                losses.append(value)
        return losses

    def predict(self, batch_ids):
        out = train.to_list(self.readout.forward(self._counts(batch_ids)))
        return [_softmax2(z0, z1) for z0, z1 in out]

    def state(self, digits=5):
        return {k: [float(f"{v:.{digits}g}") for v in buf.to_flat(p)[0]] for k, p in self.readout.params.items()}

    @classmethod
    def from_state(cls, vocab, state):
        m = cls(vocab)
        _load(m.readout.params, state)
        return m


def _load(params, state):
    for name, value in state.items():
        if name not in params:
            raise ValueError(f"unknown parameter {name!r}: expected {sorted(params)}")
        target = buf.writable_flat(params[name])
        flat = buf.to_flat(value)[0]
        if len(flat) != len(target):
            raise ValueError(f"{name} must have {len(target)} values; got {len(flat)}")
        for i, v in enumerate(flat):
            target[i] = v


def accuracy(model, examples, batch_size=256):
    """Fraction of (ids, label) examples whose P(positive) > 0.5 agrees with the label."""
    if not examples:
        raise ValueError("examples must not be empty")
    right = 0
    for batch in batches(examples, batch_size, random.Random(0)):
        probs = model.predict([s for s, _ in batch])
        right += sum((p > 0.5) == bool(label) for p, (_, label) in zip(probs, batch))
    return right / len(examples)
