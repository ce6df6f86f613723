"""An encoder-decoder with additive attention, trained with teacher forcing: character sequence in, sequence out.

The architecture (the translation lesson draws it):

- **Encoder**: a bidirectional GRU reads the input characters, one-hot, and keeps every step's output
  ``h_j`` (S, B, 2*He): each is a summary of the input around position j, from both sides.
- **Decoder**: a GRU reads the previous *output* character (one-hot; a start symbol first) and produces its state
  ``s_t`` (T, B, Hd). It starts from zeros: everything it knows about the input comes through attention.
- **Attention** (``rnncore.attention.AdditiveAttention``): ``s_t`` scores every ``h_j``; the softmax of the scores
  are the weights ``a_tj`` the lesson's heat map shows; the context ``c_t = sum_j a_tj h_j``.
- **Readout**: ``logits_t = W_o [s_t; c_t] + b_o`` over the output characters, trained with cross-entropy.

The context is read from the decoder's *current* state, after its step (Luong et al. 2015's order, with Bahdanau's
additive score), rather than fed into the step as in Bahdanau et al. (2015): so with teacher forcing the decoder's
inputs are all known in advance, and each of the three networks runs as one sequence call of the core, forward and
backward.

**Teacher forcing**: in training, the decoder's input at step t is the *true* previous character, not its own
prediction, so all steps train in parallel and an early mistake does not derail the rest. At inference
(``translate``) there is no truth: each predicted character is fed back in (greedy decoding).

Works with numpy (training, natively) and without (the browser's engine: ``translate``, and training too, slowly).
"""
from . import api, train
from . import _buffers as buf
from .attention import AdditiveAttention

__all__ = ["Seq2Seq", "exact_match"]

START = "^"           # the decoder's first input: no output character yet


def _onehot_seq(ids_tb, V):
    """ids (T lists of B ints) -> flat one-hot values and shape (T, B, V)."""
    T, B = len(ids_tb), len(ids_tb[0])
    x = [0.0] * (T * B * V)
    for t, row in enumerate(ids_tb):
        for b, k in enumerate(row):
            x[(t * B + b) * V + k] = 1.0
    return x, (T, B, V)


class Seq2Seq:
    """Character-level encoder-decoder with additive attention.

    Parameters
    ----------
    in_vocab, out_vocab : str
        The input and output characters (each character once). The output alphabet must not contain ``START``.
    enc_hidden, dec_hidden, attention_size : int
    seed : int
    """

    def __init__(self, in_vocab, out_vocab, enc_hidden=32, dec_hidden=64, attention_size=32, seed=0):
        if not in_vocab or len(set(in_vocab)) != len(in_vocab):
            raise ValueError(f"in_vocab must be a non-empty string of distinct characters; got {in_vocab!r}")
        if not out_vocab or len(set(out_vocab)) != len(out_vocab) or START in out_vocab:
            raise ValueError(f"out_vocab must be distinct characters without {START!r}; got {out_vocab!r}")
        self.in_vocab, self.out_vocab = in_vocab, out_vocab
        self.in_index = {c: i for i, c in enumerate(in_vocab)}
        self.out_index = {c: i for i, c in enumerate(out_vocab)}
        self.dec_inputs = len(out_vocab) + 1                     # the output characters and START (last)
        self.sizes = {"enc_hidden": enc_hidden, "dec_hidden": dec_hidden, "attention_size": attention_size}
        self.encoder = api.GRU(input_size=len(in_vocab), hidden_size=enc_hidden, bidirectional=True,
                               dtype="float64", seed=seed)
        self.decoder = api.GRU(input_size=self.dec_inputs, hidden_size=dec_hidden, dtype="float64", seed=seed + 1)
        self.attention = AdditiveAttention(dec_hidden, 2 * enc_hidden, attention_size, seed=seed + 2)
        self.readout = train.Linear(dec_hidden + 2 * enc_hidden, len(out_vocab), seed=seed + 3)
        self.parts = {"encoder": self.encoder, "decoder": self.decoder, "attention": self.attention,
                      "readout": self.readout}

    # ------------------------------------------------------------------------------------------------- helpers
    def encode_text(self, text):
        """A string -> input ids; ValueError naming the characters the model does not know."""
        unknown = sorted(set(c for c in text if c not in self.in_index))
        if unknown:
            raise ValueError(f"the model does not know the character(s) {''.join(unknown)!r}")
        if not text:
            raise ValueError("the input is empty")
        return [self.in_index[c] for c in text]

    def parameters(self):
        return [part.params for part in self.parts.values()]

    def num_parameters(self):
        return sum(len(buf.to_flat(v)[0]) for p in self.parameters() for v in p.values())

    # ------------------------------------------------------------------------------------------- the network
    def _forward(self, src_ids, dec_in_ids, state=None):
        """src_ids (S lists of B ints), dec_in_ids (T lists of B ints) -> (logits (T, B, V), dec_state)."""
        xs, shape = _onehot_seq(src_ids, len(self.in_vocab))
        enc, _ = self.encoder.forward(buf.from_flat(xs, shape, "float64"))
        return self._decode_from(enc, dec_in_ids, state)

    def _decode_from(self, enc, dec_in_ids, state=None):
        xd, shape = _onehot_seq(dec_in_ids, self.dec_inputs)
        dec, dec_state = self.decoder.forward(buf.from_flat(xd, shape, "float64"), state)
        context, weights = self.attention.forward(dec, enc)
        logits = self.readout.forward(_concat(dec, context))
        return enc, dec, logits, weights, dec_state

    def loss_and_grads(self, src_ids, tgt_ids):
        """Teacher-forced loss and gradients on a batch: src_ids (S lists of B ids), tgt_ids (T lists of B ids).

        The decoder reads START, then the true target characters tgt[0..T-2]; it must predict tgt[0..T-1].
        Returns (mean cross-entropy, [encoder, decoder, attention, readout gradients]) -- the order of
        ``parameters()``.
        """
        B = len(src_ids[0])
        start = len(self.out_vocab)
        dec_in = [[start] * B] + [list(row) for row in tgt_ids[:-1]]     # teacher forcing: the true previous char
        enc, dec, logits, _, _ = self._forward(src_ids, dec_in)
        targets = buf.from_flat([k for row in tgt_ids for k in row], (len(tgt_ids), B), "int64")
        loss, dlogits = train.softmax_cross_entropy(logits, targets)
        rgrads, dcat = self.readout.backward(dlogits)                      # logits = W_o [s; c] + b_o
        ddec, dcontext = _split(dcat, self.sizes["dec_hidden"])
        agrads, dquery, dkeys = self.attention.backward(dcontext)         # c = attention(s, h)
        dgrads = self.decoder.backward(_add(ddec, dquery))[0]              # s reaches the loss twice
        egrads = self.encoder.backward(dkeys)[0]                           # h: keys and values of attention
        return loss, [egrads, dgrads, agrads, rgrads]

    def train_step(self, optimizer, src_ids, tgt_ids):
        """One teacher-forced update (``loss_and_grads`` then ``optimizer.step``); returns the loss before it."""
        loss, grads = self.loss_and_grads(src_ids, tgt_ids)
        optimizer.step(grads)
        return loss

    def translate(self, text, max_len=32, stop_len=None):
        """Greedy decoding of ``text``: (output string, attention weights: one list of S floats per output char).

        Each predicted character is fed back in as the next input; decoding stops after ``stop_len`` characters
        (the output format's fixed length, when it has one) or ``max_len``.
        """
        ids = self.encode_text(text)
        xs, shape = _onehot_seq([[k] for k in ids], len(self.in_vocab))
        enc, _ = self.encoder.forward(buf.from_flat(xs, shape, "float64"))
        prev, state, out, rows = len(self.out_vocab), None, [], []
        for _ in range(stop_len or max_len):
            _, _, logits, weights, state = self._decode_from(enc, [[prev]], state)
            z = train.to_list(logits)[0][0]
            prev = max(range(len(z)), key=z.__getitem__)
            out.append(self.out_vocab[prev])
            rows.append(train.to_list(weights)[0][0])
        return "".join(out), rows

    # --------------------------------------------------------------------------------------------- JSON state
    def state(self, digits=6):
        def rounded(a):
            return [rounded(v) for v in a] if isinstance(a, list) else float(f"{a:.{digits}g}")
        return {"in_vocab": self.in_vocab, "out_vocab": self.out_vocab, **self.sizes,
                "params": {name: {k: rounded(train.to_list(v)) for k, v in part.params.items()}
                           for name, part in self.parts.items()}}

    @classmethod
    def from_state(cls, state):
        need = {"in_vocab", "out_vocab", "enc_hidden", "dec_hidden", "attention_size", "params"}
        if not isinstance(state, dict) or not need <= set(state):
            raise ValueError(f"state must be a Seq2Seq.state() dict with {sorted(need)}")
        m = cls(state["in_vocab"], state["out_vocab"], int(state["enc_hidden"]), int(state["dec_hidden"]),
                int(state["attention_size"]))
        m.encoder.load_state_dict(state["params"]["encoder"])
        m.decoder.load_state_dict(state["params"]["decoder"])
        for name in ("attention", "readout"):
            for key, value in state["params"][name].items():
                target = buf.writable_flat(m.parts[name].params[key])
                flat = buf.to_flat(value)[0]
                if len(flat) != len(target):
                    raise ValueError(f"params.{name}.{key} must have {len(target)} values; got {len(flat)}")
                for i, v in enumerate(flat):
                    target[i] = v
        return m


# ---------------------------------------------------------------------------- last-axis concat / split / add
def _concat(a, b):
    """a (T, B, P), b (T, B, Q) -> (T, B, P+Q)."""
    np = buf.numpy()
    if np is not None:
        return np.concatenate([np.asarray(a), np.asarray(b)], axis=-1)
    fa, sa = buf.to_flat(a)
    fb, sb = buf.to_flat(b)
    P, Q = sa[-1], sb[-1]
    rows = len(fa) // P
    out = []
    for r in range(rows):
        out.extend(fa[r * P:(r + 1) * P])
        out.extend(fb[r * Q:(r + 1) * Q])
    return buf.from_flat(out, tuple(sa[:-1]) + (P + Q,), "float64")


def _split(d, P):
    """d (T, B, P+Q) -> (d[..., :P], d[..., P:])."""
    np = buf.numpy()
    if np is not None:
        d = np.asarray(d)
        return np.ascontiguousarray(d[..., :P]), np.ascontiguousarray(d[..., P:])
    fd, sd = buf.to_flat(d)
    N = sd[-1]
    rows = len(fd) // N
    left = [x for r in range(rows) for x in fd[r * N:r * N + P]]
    right = [x for r in range(rows) for x in fd[r * N + P:(r + 1) * N]]
    return (buf.from_flat(left, tuple(sd[:-1]) + (P,), "float64"),
            buf.from_flat(right, tuple(sd[:-1]) + (N - P,), "float64"))


def _add(a, b):
    np = buf.numpy()
    if np is not None:
        return np.asarray(a) + np.asarray(b)
    fa, sa = buf.to_flat(a)
    fb, _ = buf.to_flat(b)
    return buf.from_flat([x + y for x, y in zip(fa, fb)], sa, "float64")


def exact_match(model, pairs, stop_len=None):
    """Fraction of (input, expected output) pairs the model translates exactly."""
    if not pairs:
        raise ValueError("pairs must not be empty")
    return sum(model.translate(src, stop_len=stop_len)[0] == tgt for src, tgt in pairs) / len(pairs)

