"""The classic toy tasks for recurrent networks, as seeded batch generators.

Every task draws its numbers from its own ``random.Random(seed)``, so the same seed gives the same batches with or
without numpy (numpy arrays natively, shaped ``memoryview``s in Pyodide; ``.tolist()`` is identical, and identical
across platforms too, except ``NoisySine``, whose ``sin`` and Gaussian noise come from the platform's libm and may
differ in the last bit between native CPython and Pyodide). Each one says
what a network must read out (``readout``: the last step or every step), with which loss, and the loss of the best
*trivial* predictor (``baseline``), the number a network must beat to show it learned anything.

- ``AddingProblem``: x (T, B, 2), target (B, 1) the sum of the two marked values; mse; baseline 1/6 (always 1.0).
- ``RecallTask``: x (T, B, K+1), target (B,) the symbol shown at t = 0; cross-entropy; baseline ln K (uniform).
- ``NoisySine``: x (T, B, 1), target (T, B, 1) the next noisy value; mse; baseline 1/2 + noise^2 (always 0).
- ``CharText``: x (T, B, V) one-hot, target (T, B) the next character; cross-entropy; baseline ln V (uniform).

Data are time-major, ``x[t, b, i]``. ``task.batch(batch_size, dtype="float64") -> (x, target)`` advances the
task's random stream; class targets are int64.
"""
import math
import random

from . import _buffers as buf
from ._requests import check_exact_int
from .train import last_step, softmax

__all__ = ["Task", "AddingProblem", "RecallTask", "NoisySine", "CharText", "make_task", "sample_index", "TASKS"]

class Task:
    """Base class: a seeded stream of (x, target) batches.

    Attributes
    ----------
    name : str
    input_size, output_size : int
        I of x, and the number of outputs the readout must produce (classes for cross-entropy).
    loss : {"mse", "cross_entropy"}
    readout : {"last", "all"}
        Whether the target belongs to the last step only, or to every step.
    baseline : float
        Expected loss of the trivial predictor named in ``baseline_rule``.
    """

    name = "task"
    loss = "mse"
    readout = "last"
    baseline_rule = ""

    def __init__(self, seed=0):
        self.seed = seed
        self.rng = random.Random(seed)

    def batch(self, batch_size, dtype="float64"):
        """Next batch: x (T, B, I) of ``dtype`` and the target (see the class docstring)."""
        check_exact_int("batch_size", batch_size, 1, 4096)
        if dtype not in ("float64", "float32"):
            raise ValueError(f"dtype must be 'float64' or 'float32'; got {dtype!r}")
        x, xshape, t, tshape = self._generate(batch_size)
        tdtype = "int64" if self.loss == "cross_entropy" else dtype      # class targets are indices
        return buf.from_flat(x, xshape, dtype), buf.from_flat(t, tshape, tdtype)

    def reset(self):
        """Restart the random stream from the seed."""
        self.rng = random.Random(self.seed)

    def _generate(self, B):
        raise NotImplementedError


class AddingProblem(Task):
    """The adding problem (Hochreiter & Schmidhuber 1997; Le et al. 2015's variant).

    Channel 0 carries T values drawn from U(0, 1); channel 1 marks exactly two of them with 1.0, one in the first
    half of the sequence and one in the second. The target, read at the last step, is the sum of the two marked
    values. Always answering 1.0 (the mean of the sum) scores the variance of the sum, 2/12 = 1/6 ~ 0.167.
    """

    name = "adding"
    input_size, output_size = 2, 1
    loss, readout = "mse", "last"
    baseline = 1.0 / 6.0
    baseline_rule = "always answer 1.0"

    def __init__(self, length=50, seed=0):
        super().__init__(seed)
        self.length = check_exact_int("length", length, 2)

    def _generate(self, B):
        T, rng = self.length, self.rng
        half = T // 2
        x = [0.0] * (T * B * 2)
        target = []
        for b in range(B):
            first, second = rng.randrange(half), rng.randrange(half, T)
            total = 0.0
            for t in range(T):
                v = rng.random()
                x[(t * B + b) * 2] = v
                if t == first or t == second:
                    x[(t * B + b) * 2 + 1] = 1.0
                    total += v
            target.append(total)
        return x, (T, B, 2), target, (B, 1)


class RecallTask(Task):
    """Recall a symbol after a delay (the one-symbol copy task).

    At t = 0 one of K symbols is shown one-hot (channels 0..K-1); then ``delay`` empty steps; then a cue (channel K)
    at the last step, T = delay + 2, where the network must name the symbol (K-way cross-entropy). Guessing
    uniformly scores ln K. Plain RNNs fail once the delay outgrows their memory; LSTM and GRU carry it.
    """

    name = "recall"
    loss, readout = "cross_entropy", "last"
    baseline_rule = "uniform guess over the K symbols"

    def __init__(self, delay=10, n_symbols=4, seed=0):
        super().__init__(seed)
        self.delay = check_exact_int("delay", delay, 0)
        self.n_symbols = check_exact_int("n_symbols", n_symbols, 2, 1000)
        self.length = self.delay + 2
        self.input_size, self.output_size = self.n_symbols + 1, self.n_symbols
        self.baseline = math.log(self.n_symbols)

    def _generate(self, B):
        T, K, I = self.length, self.n_symbols, self.n_symbols + 1
        x = [0.0] * (T * B * I)
        target = [self.rng.randrange(K) for _ in range(B)]
        for b, k in enumerate(target):
            x[b * I + k] = 1.0                          # t = 0: the symbol, one-hot
            x[((T - 1) * B + b) * I + K] = 1.0          # t = T-1: the cue
        return x, (T, B, I), target, (B,)


class NoisySine(Task):
    """Next-value prediction of a noisy sine wave.

    Each sequence is s_t = sin(w t + phi) + noise * N(0, 1) for t = 0..T, with w ~ U(w_min, w_max) and
    phi ~ U(0, 2 pi) per sequence; x = s_0..s_{T-1}, target = s_1..s_T, read at every step. Always answering 0
    scores E[s^2] = 1/2 + noise^2. (Repeating the current value does better; a network should beat both.)
    """

    name = "sine"
    input_size, output_size = 1, 1
    loss, readout = "mse", "all"
    baseline_rule = "always answer 0"

    def __init__(self, length=50, noise=0.1, freq=(0.1, 0.5), seed=0):
        super().__init__(seed)
        self.length = check_exact_int("length", length, 1)
        if not (isinstance(noise, (int, float)) and 0 <= noise <= 10):
            raise ValueError(f"noise must be a number in [0, 10]; got {noise!r}")
        if not (len(freq) == 2 and all(isinstance(f, (int, float)) for f in freq) and 0 < freq[0] <= freq[1] < 10):
            raise ValueError(f"freq must be (low, high) with 0 < low <= high < 10 (radians per step); got {freq!r}")
        self.noise, self.freq = float(noise), (float(freq[0]), float(freq[1]))
        self.baseline = 0.5 + self.noise ** 2

    def _generate(self, B):
        T, rng, noise = self.length, self.rng, self.noise
        x = [0.0] * (T * B)
        target = [0.0] * (T * B)
        for b in range(B):
            w, phi = rng.uniform(*self.freq), rng.uniform(0.0, 2.0 * math.pi)
            s = [math.sin(w * t + phi) + noise * rng.gauss(0.0, 1.0) for t in range(T + 1)]
            for t in range(T):
                x[t * B + b] = s[t]
                target[t * B + b] = s[t + 1]
        return x, (T, B, 1), target, (T, B, 1)


class CharText(Task):
    """Character-level language modelling on a string: predict the next character at every step.

    The vocabulary is the sorted set of the text's characters. A batch is B random windows of T characters, one-hot
    encoded (T, B, V), with the following characters' indices as targets (T, B). A uniform guess scores ln V;
    ``unigram_entropy`` is the better trivial predictor (character frequencies, no context).
    """

    name = "text"
    loss, readout = "cross_entropy", "all"
    baseline_rule = "uniform guess over the vocabulary"

    def __init__(self, text, length=32, seed=0):
        super().__init__(seed)
        if not isinstance(text, str) or len(set(text)) < 2:
            raise ValueError("text must be a string with at least two distinct characters")
        self.length = check_exact_int("length", length, 1)
        if len(text) < self.length + 1:
            raise ValueError(f"text must be longer than length + 1 = {self.length + 1} characters; got {len(text)}")
        self.text = text
        self.vocab = sorted(set(text))
        self.index = {c: i for i, c in enumerate(self.vocab)}
        self.ids = self.encode(text)
        V = len(self.vocab)
        self.input_size = self.output_size = V
        self.baseline = math.log(V)
        counts = [0] * V
        for i in self.ids:
            counts[i] += 1
        n = len(self.ids)
        self.unigram_entropy = -math.fsum(c / n * math.log(c / n) for c in counts if c)

    def encode(self, s):
        """String -> list of vocabulary indices (unknown characters raise ValueError)."""
        try:
            return [self.index[c] for c in s]
        except KeyError as e:
            raise ValueError(f"character {e.args[0]!r} is not in the vocabulary") from None

    def decode(self, ids):
        return "".join(self.vocab[int(i)] for i in ids)

    def one_hot(self, ids, dtype="float64"):
        """Indices -> one-hot x of shape (len(ids), 1, V)."""
        V = len(self.vocab)
        x = [0.0] * (len(ids) * V)
        for t, i in enumerate(ids):
            x[t * V + i] = 1.0
        return buf.from_flat(x, (len(ids), 1, V), dtype)

    def _generate(self, B):
        T, V, ids, rng = self.length, len(self.vocab), self.ids, self.rng
        x = [0.0] * (T * B * V)
        target = [0] * (T * B)
        for b in range(B):
            start = rng.randrange(len(ids) - T)
            for t in range(T):
                x[(t * B + b) * V + ids[start + t]] = 1.0
                target[t * B + b] = ids[start + t + 1]
        return x, (T, B, V), target, (T, B)

    def sample(self, model, readout, prime="", length=100, temperature=1.0, seed=0):
        """Generate ``length`` characters after ``prime`` from a trained model + readout.

        The model reads ``prime`` (default: one character drawn from the text's frequencies), then repeatedly
        turns its last output into probabilities ``softmax(logits / temperature)``, draws the next character
        (``temperature <= 0``: the most likely one) and feeds it back with the carried state.

        Returns the generated text, without the prime.
        """
        check_exact_int("length", length, 0, 100000)
        if "weight_hh_l0_reverse" in model.params:
            raise ValueError("sampling needs a unidirectional model: a bidirectional one reads the future")
        rng = random.Random(seed)
        dtype = buf.dtype_of(model.params["weight_hh_l0"])
        ids = self.encode(prime) if prime else [self.ids[rng.randrange(len(self.ids))]]
        y, state = model.forward(self.one_hot(ids, dtype))
        out = []
        for _ in range(length):
            logits = buf.to_flat(readout.forward(last_step(y)))[0]           # (1, V) -> V numbers
            k = sample_index(logits, temperature, rng)
            out.append(k)
            y, state = model.forward(self.one_hot([k], dtype), state)
        return self.decode(out)


def sample_index(logits, temperature=1.0, rng=None):
    """Draw an index from ``softmax(logits / temperature)`` (a flat sequence of V numbers).

    ``temperature <= 0`` returns the argmax (greedy); lower temperatures sharpen, higher ones flatten.
    ``rng`` is a ``random.Random`` (default: a fresh one seeded 0).
    """
    logits = [float(v) for v in logits]
    if temperature <= 0:
        return max(range(len(logits)), key=logits.__getitem__)
    probs = buf.to_flat(softmax(logits, temperature))[0]
    u = (rng or random.Random(0)).random()
    acc = 0.0
    for k, p in enumerate(probs):
        acc += p
        if u < acc:
            return k
    return len(probs) - 1


TASKS = {"adding": AddingProblem, "recall": RecallTask, "copy": RecallTask, "sine": NoisySine, "text": CharText}


def make_task(name, **kwargs):
    """A task by name: "adding", "recall" (alias "copy"), "sine" or "text" (keyword arguments as its class)."""
    if name not in TASKS:
        raise ValueError(f"task must be one of {', '.join(TASKS)}; got {name!r}")
    return TASKS[name](**kwargs)

