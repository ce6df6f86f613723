"""rnncore.tasks: shapes, dtypes, seeding, what each task's data mean, the stated trivial baselines, sampling."""
import math
import random

import numpy as np
import pytest

import rnncore
from rnncore import _buffers, tasks, train

TEXT = "the cat sat on the mat. the dog sat on the log. "


def make_tasks(seed=0):
    return [tasks.AddingProblem(length=9, seed=seed), tasks.RecallTask(delay=4, n_symbols=3, seed=seed),
            tasks.NoisySine(length=7, seed=seed), tasks.CharText(TEXT, length=6, seed=seed)]


@pytest.fixture(params=["numpy", "python"])
def path(request, monkeypatch):
    monkeypatch.setattr(_buffers, "HAVE_NUMPY", request.param == "numpy")
    return request.param


def arr(a):
    return np.array(train.to_list(a))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("B", [1, 5])
def test_shapes_and_dtypes(path, dtype, B, global_random_seed):
    for task in make_tasks(global_random_seed):
        x, target = task.batch(B, dtype=dtype)
        T = task.length
        assert tuple(x.shape) == (T, B, task.input_size), task.name
        fmt = {"float64": "d", "float32": "f"}[dtype]
        if path == "numpy":
            assert x.dtype == np.dtype(dtype)
        else:
            assert isinstance(x, memoryview) and x.format == fmt
        if task.loss == "cross_entropy":
            want = (B,) if task.readout == "last" else (T, B)
            t = arr(target)
            assert t.dtype.kind == "i" and np.all((0 <= t) & (t < task.output_size))
        else:
            want = (B, task.output_size) if task.readout == "last" else (T, B, task.output_size)
        assert tuple(target.shape) == want, task.name


def test_same_seed_same_batches_on_both_paths(monkeypatch, global_random_seed):
    if _buffers.np is None:                  # Pyodide: the core runs without numpy, so there is one path only
        pytest.skip("needs numpy: compares the numpy path with the pure-Python one")
    runs = []
    for flag in (True, False):
        monkeypatch.setattr(_buffers, "HAVE_NUMPY", flag)
        runs.append([[train.to_list(a) for a in t.batch(3)] for t in make_tasks(global_random_seed)])
    assert runs[0] == runs[1]


def test_seeding_and_reset(path, global_random_seed):
    for a, b, c in zip(make_tasks(global_random_seed), make_tasks(global_random_seed),
                       make_tasks(global_random_seed + 1)):
        first = arr(a.batch(4)[0])
        np.testing.assert_array_equal(first, arr(b.batch(4)[0]))
        assert not np.array_equal(arr(a.batch(4)[0]), first), a.name          # the stream advances
        assert not np.array_equal(arr(c.batch(4)[0]), first), a.name          # another seed, other data
        a.reset()
        np.testing.assert_array_equal(arr(a.batch(4)[0]), first)


def test_adding_problem_data(path, global_random_seed):
    task = tasks.AddingProblem(length=10, seed=global_random_seed)
    x, target = (arr(a) for a in task.batch(64))
    values, marks = x[:, :, 0], x[:, :, 1]
    assert np.all((values >= 0) & (values < 1))
    assert np.all(marks.sum(axis=0) == 2)
    assert np.all(marks[:5].sum(axis=0) == 1) and np.all(marks[5:].sum(axis=0) == 1)   # one per half
    np.testing.assert_allclose(target[:, 0], (values * marks).sum(axis=0), rtol=1e-15)


def test_adding_problem_baseline():
    task = tasks.AddingProblem(length=20, seed=1)
    _, target = task.batch(4000)
    assert task.baseline == pytest.approx(1 / 6)
    assert train.mse_loss(np.ones_like(target), target)[0] == pytest.approx(task.baseline, abs=0.015)


def test_recall_task_data(path, global_random_seed):
    task = tasks.RecallTask(delay=5, n_symbols=4, seed=global_random_seed)
    x, target = (arr(a) for a in task.batch(32))
    assert x.shape == (7, 32, 5) and task.length == 7
    np.testing.assert_array_equal(x[0, :, :4].argmax(axis=1), target)          # the symbol at t = 0
    assert np.all(x[0].sum(axis=1) == 1) and np.all(x[0, :, 4] == 0)
    assert np.all(x[1:-1] == 0)                                               # the delay: nothing
    assert np.all(x[-1, :, 4] == 1) and np.all(x[-1, :, :4] == 0)            # the cue
    loss, _ = train.softmax_cross_entropy(np.zeros((32, 4)), target)
    assert loss == pytest.approx(task.baseline) and task.baseline == pytest.approx(math.log(4))


def test_noisy_sine_data(path, global_random_seed):
    task = tasks.NoisySine(length=30, noise=0.1, seed=global_random_seed)
    x, target = (arr(a) for a in task.batch(8))
    np.testing.assert_array_equal(x[1:], target[:-1])                         # the target is the next value
    assert np.all(np.abs(x) < 1 + 6 * 0.1)
    clean = tasks.NoisySine(length=30, noise=0.0, seed=global_random_seed)
    xc, _ = (arr(a) for a in clean.batch(8))
    assert np.all(np.abs(xc) <= 1)


def test_noisy_sine_baseline():
    task = tasks.NoisySine(length=40, noise=0.2, seed=2)
    _, target = task.batch(500)
    assert task.baseline == pytest.approx(0.54)
    assert train.mse_loss(np.zeros_like(target), target)[0] == pytest.approx(task.baseline, abs=0.03)


def test_char_text_data(path, global_random_seed):
    task = tasks.CharText(TEXT, length=8, seed=global_random_seed)
    assert task.vocab == sorted(set(TEXT)) and task.input_size == task.output_size == len(task.vocab)
    assert task.decode(task.encode(TEXT)) == TEXT
    x, target = (arr(a) for a in task.batch(6))
    assert np.all(x.sum(axis=2) == 1)                                         # one-hot
    ids = x.argmax(axis=2)                                                    # (T, B)
    np.testing.assert_array_equal(ids[1:], target[:-1])                      # the next character
    for b in range(6):
        window = task.decode(list(ids[:, b]) + [target[-1, b]])
        assert window in TEXT
    assert task.baseline == pytest.approx(math.log(len(task.vocab)))
    assert 0 < task.unigram_entropy < task.baseline
    assert tuple(task.one_hot([0, 2]).shape) == (2, 1, len(task.vocab))


def test_sample_index():
    logits = [0.0, 3.0, 1.0]
    assert tasks.sample_index(logits, temperature=0) == 1
    rng = random.Random(0)
    draws = [tasks.sample_index(logits, 1.0, rng) for _ in range(4000)]
    p = np.exp(logits) / np.exp(logits).sum()
    np.testing.assert_allclose(np.bincount(draws, minlength=3) / 4000, p, atol=0.03)
    cold = [tasks.sample_index(logits, 0.05, rng) for _ in range(200)]
    assert cold.count(1) == 200
    assert [tasks.sample_index(logits, 1.0, random.Random(5)) for _ in range(3)] == \
        [tasks.sample_index(logits, 1.0, random.Random(5)) for _ in range(3)]


def _lstm(input_size, hidden_size, seed=0):
    return rnncore.LSTM(input_size=input_size, hidden_size=hidden_size, seed=seed)


def test_char_text_trains_and_samples():
    """A small LSTM learns the text below its unigram baseline; sampling is seeded and cold sampling is greedy."""
    task = tasks.CharText(TEXT * 4, length=12, seed=0)
    model = _lstm(task.input_size, 24, seed=0)
    trainer = train.Trainer(model, task, lr=0.02, batch_size=16, max_norm=1.0)
    losses = trainer.run(150)
    assert np.mean(losses[:5]) > 0.9 * task.baseline
    assert np.mean(losses[-20:]) < 0.8 * task.unigram_entropy
    a = task.sample(model, trainer.readout, prime="the ", length=30, temperature=0.8, seed=1)
    b = task.sample(model, trainer.readout, prime="the ", length=30, temperature=0.8, seed=1)
    assert a == b and len(a) == 30 and set(a) <= set(task.vocab)
    greedy = task.sample(model, trainer.readout, prime="the ", length=20, temperature=0)
    assert greedy == task.sample(model, trainer.readout, prime="the ", length=20, temperature=0, seed=9)
    assert len(task.sample(model, trainer.readout, length=5)) == 5
    both = rnncore.LSTM(input_size=task.input_size, hidden_size=2, bidirectional=True)
    with pytest.raises(ValueError, match="bidirectional"):
        task.sample(both, train.Linear(4, task.output_size), length=3)


def test_make_task_and_bad_arguments():
    assert isinstance(tasks.make_task("adding", length=5), tasks.AddingProblem)
    assert isinstance(tasks.make_task("copy", delay=3), tasks.RecallTask)
    assert isinstance(tasks.make_task("text", text=TEXT), tasks.CharText)
    with pytest.raises(ValueError, match="task must be one of"):
        tasks.make_task("parity")
    with pytest.raises(ValueError, match="length"):
        tasks.AddingProblem(length=1)
    with pytest.raises(ValueError, match="n_symbols"):
        tasks.RecallTask(n_symbols=1)
    with pytest.raises(ValueError, match="noise"):
        tasks.NoisySine(noise=-1)
    with pytest.raises(ValueError, match="freq"):
        tasks.NoisySine(freq=(0.5, 0.1))
    with pytest.raises(ValueError, match="distinct"):
        tasks.CharText("aaaa")
    with pytest.raises(ValueError, match="longer"):
        tasks.CharText("abc", length=10)
    with pytest.raises(ValueError, match="not in the vocabulary"):
        tasks.CharText(TEXT).encode("xyz!")
    with pytest.raises(ValueError, match="batch_size"):
        tasks.AddingProblem().batch(0)
    with pytest.raises(ValueError, match="dtype"):
        tasks.AddingProblem().batch(2, dtype="int32")
