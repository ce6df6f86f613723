"""Training with variable-length batches: masked losses (the real steps only, as PyTorch's losses over packed
data), each sequence's last real step as the readout's input, and Trainer/fit on a task that returns lengths;
with and without numpy."""
import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import rnncore
from rnncore import train

LENGTHS = [3, 1, 4]


def padded(rng, T, B, K, lengths, fill, batch_first=False):
    a = rng.normal(size=(T, B, K))
    for b, n in enumerate(lengths):
        a[n:, b] = fill
    return a.transpose(1, 0, 2).copy() if batch_first else a


@pytest.mark.parametrize("batch_first", [False, True])
def test_masked_mse_is_the_loss_over_real_steps(batch_first):
    rng = np.random.default_rng(0)
    pred = padded(rng, 4, 3, 2, LENGTHS, 5.0, batch_first)
    target = padded(rng, 4, 3, 2, LENGTHS, 1e30, batch_first)         # garbage past each end is never read
    loss, grad = train.mse_loss(pred, target, lengths=LENGTHS, batch_first=batch_first)
    mask = np.array(train.step_mask(LENGTHS, pred.shape, batch_first)).reshape(pred.shape[:2])
    d = (pred - target)[mask]
    assert loss == pytest.approx(np.mean(d ** 2), rel=1e-12)
    np.testing.assert_allclose(grad[mask], 2 * d / d.size, rtol=1e-12)
    assert not np.any(grad[~mask])


def test_masked_cross_entropy_matches_torch_ignore_index():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(4, 3, 5))
    targets = rng.integers(0, 5, size=(4, 3))
    for b, n in enumerate(LENGTHS):
        targets[n:, b] = -100                                         # PyTorch's ignore_index padding
    loss, grad = train.softmax_cross_entropy(logits, targets, lengths=LENGTHS)
    lt = torch.from_numpy(logits).requires_grad_(True)
    want = torch.nn.functional.cross_entropy(lt.reshape(-1, 5), torch.from_numpy(targets).reshape(-1),
                                             ignore_index=-100)
    want.backward()
    assert loss == pytest.approx(want.item(), rel=1e-12)
    np.testing.assert_allclose(grad, lt.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_last_step_reads_each_sequences_end():
    rng = np.random.default_rng(2)
    y = rng.normal(size=(4, 3, 2))
    h = train.last_step(y, LENGTHS)
    np.testing.assert_array_equal(h, np.stack([y[n - 1, b] for b, n in enumerate(LENGTHS)]))
    np.testing.assert_array_equal(train.last_step(y.transpose(1, 0, 2).copy(), LENGTHS, batch_first=True), h)
    with pytest.raises(ValueError, match=r"lengths\[1\]: expected 1 <= length <= T = 4, got 0"):
        train.last_step(y, [3, 0, 4])
    with pytest.raises(ValueError, match=r"lengths: expected B = 3 lengths"):
        train.mse_loss(y, y, lengths=[1, 2])


class VariableLengthSum:
    """Regression of the sum of a sequence of 1..T numbers (padding past each end is noise the model must not
    see): a task whose batch returns (x, target, lengths)."""
    output_size, loss, readout = 1, "mse", "last"

    def __init__(self, T=8, seed=0):
        self.T, self.rng = T, np.random.default_rng(seed)

    def batch(self, batch_size, dtype="float64"):
        lengths = self.rng.integers(1, self.T + 1, size=batch_size)
        x = self.rng.uniform(-1, 1, size=(self.T, batch_size, 1))
        target = np.array([x[:n, b, 0].sum() for b, n in enumerate(lengths)])[:, None]
        for b, n in enumerate(lengths):
            x[n:, b] = self.rng.uniform(-50, 50, size=(self.T - n, 1))
        return x.astype(dtype), target.astype(dtype), lengths


def test_fit_learns_a_variable_length_task_without_seeing_the_padding():
    model = rnncore.GRU(1, 16, seed=0, num_layers=2)
    losses = train.fit(model, VariableLengthSum(), 300, lr=0.02, batch_size=16)
    assert np.mean(losses[-20:]) < 0.1 * np.mean(losses[:20])
    x, target, lengths = VariableLengthSum(seed=9).batch(64)
    trainer = train.Trainer(model, VariableLengthSum(), readout=None)
    pred = np.asarray(trainer.predict(x, lengths))
    assert pred.shape == (64, 1)


def test_masked_losses_without_numpy_match():
    script = textwrap.dedent('''
        import json, sys
        sys.modules["numpy"] = None
        from rnncore import train
        pred = [[[0.5, -1.0]], [[2.0, 0.25]], [[9.0, 9.0]]]
        target = [[[0.0, 1.0]], [[1.0, 1.0]], [[0.0, 0.0]]]
        a = train.mse_loss(pred, target, lengths=[2])
        b = train.softmax_cross_entropy(pred, [[1], [0], [-100]], lengths=[2])
        print(json.dumps([a[0], a[1].tolist(), b[0], b[1].tolist(), train.last_step(pred, [2]).tolist()]))
    ''')
    out = json.loads(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                                    check=True).stdout)
    pred = np.array([[[0.5, -1.0]], [[2.0, 0.25]], [[9.0, 9.0]]])
    a = train.mse_loss(pred, np.array([[[0.0, 1.0]], [[1.0, 1.0]], [[0.0, 0.0]]]), lengths=[2])
    b = train.softmax_cross_entropy(pred, np.array([[1], [0], [-100]]), lengths=[2])
    assert out[0] == pytest.approx(a[0], rel=1e-14) and out[2] == pytest.approx(b[0], rel=1e-14)
    np.testing.assert_allclose(out[1], a[1], rtol=1e-14)
    np.testing.assert_allclose(out[3], b[1], rtol=1e-14)
    assert out[4] == train.last_step(pred, [2]).tolist()
