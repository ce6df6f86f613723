"""Stacked layers, batch_first and variable-length batches against PyTorch (float64), where torch is installed.

Each case checks outputs, final states, every weight's gradient, dx and the initial state's gradient against
torch.nn.RNN/LSTM/GRU with the same weights (a state_dict exported with numpy); with ``lengths`` against
pack_padded_sequence(enforce_sorted=False) -> module -> pad_packed_sequence(total_length=T).
"""
import numpy as np
import pytest

import rnncore

torch = pytest.importorskip("torch")
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence  # noqa: E402

RTOL, ATOL = 1e-9, 1e-11
T, B, I, H = 5, 4, 3, 4
LENGTHS = [3, 5, 1, 4]                   # unsorted, one full row, one single step


def run_torch(mod, cell, x, state, dy, dstate, lengths, batch_first):
    """Torch's outputs, final state and gradients of sum(y * dy) + sum(final * dstate)."""
    xt = torch.from_numpy(x).requires_grad_(True)
    st = tuple(torch.from_numpy(s).requires_grad_(True) for s in state)
    inp = xt
    if lengths is not None:
        inp = pack_padded_sequence(xt, torch.tensor(lengths), batch_first=batch_first, enforce_sorted=False)
    out, fin = mod(inp, st if cell == "lstm" else st[0])
    if lengths is not None:
        total = x.shape[1] if batch_first else x.shape[0]
        out, _ = pad_packed_sequence(out, batch_first=batch_first, total_length=total)
    fin = fin if cell == "lstm" else (fin,)
    loss = (out * torch.from_numpy(dy)).sum() + sum((f * torch.from_numpy(d)).sum() for f, d in zip(fin, dstate))
    loss.backward()
    grads = {name: p.grad.numpy() for name, p in mod.named_parameters()}
    return (out.detach().numpy(), [f.detach().numpy() for f in fin], grads, xt.grad.numpy(),
            [s.grad.numpy() for s in st])


def torch_module(cell, L, bidirectional, batch_first, seed):
    torch.manual_seed(seed)
    mod = getattr(torch.nn, cell.upper())(I, H, num_layers=L, bidirectional=bidirectional,
                                          batch_first=batch_first).double()
    return mod.eval()


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("L", [1, 2, 3])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("lengths", [None, LENGTHS])
def test_stacked_matches_torch(cell, L, bidirectional, batch_first, lengths, tmp_path, global_random_seed):
    mod = torch_module(cell, L, bidirectional, batch_first, global_random_seed)
    path = tmp_path / "w.npz"
    np.savez(path, **{k: v.detach().numpy() for k, v in mod.state_dict().items()})
    m = getattr(rnncore, cell.upper()).load(path, batch_first=batch_first)
    assert (m.num_layers, m.bidirectional, m.batch_first) == (L, bidirectional, batch_first)
    assert list(m.params) == list(mod.state_dict())                 # PyTorch's names, in PyTorch's order
    assert m.num_parameters == sum(p.numel() for p in mod.parameters())

    rng = np.random.default_rng(global_random_seed)
    D = 2 if bidirectional else 1
    lead = (B, T) if batch_first else (T, B)
    x = rng.normal(size=lead + (I,))
    dy = rng.normal(size=lead + (D * H,))
    n = 2 if cell == "lstm" else 1
    state = [rng.normal(size=(D * L, B, H)) for _ in range(n)]
    dstate = [rng.normal(size=(D * L, B, H)) for _ in range(n)]
    if lengths is not None:                     # dy past each end must be ignored: make it loud there
        for b, ln in enumerate(lengths):
            if batch_first:
                dy[b, ln:] = 1e6
            else:
                dy[ln:, b] = 1e6
    yt, fint, gt, dxt, d0t = run_torch(mod, cell, x, state, np.where(np.abs(dy) > 1e5, 0.0, dy), dstate, lengths,
                                       batch_first)

    s = tuple(state) if cell == "lstm" else state[0]
    ds = tuple(dstate) if cell == "lstm" else dstate[0]
    y, fin = m.forward(x, s, lengths=lengths)
    grads, dx, d0 = m.backward(dy, ds)
    fin = fin if cell == "lstm" else (fin,)
    d0 = d0 if cell == "lstm" else (d0,)

    np.testing.assert_allclose(y, yt, rtol=RTOL, atol=ATOL)
    for a, b in zip(fin, fint):
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(dx, dxt, rtol=RTOL, atol=ATOL)
    for a, b in zip(d0, d0t):
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL)
    assert list(grads) == list(gt)
    for name in gt:
        np.testing.assert_allclose(grads[name], gt[name], rtol=RTOL, atol=ATOL * 10, err_msg=name)
    if lengths is not None:                     # outputs and dx are exactly zero past each end
        for b, ln in enumerate(lengths):
            pad_y = y[b, ln:] if batch_first else y[ln:, b]
            pad_dx = dx[b, ln:] if batch_first else dx[ln:, b]
            assert not np.any(pad_y) and not np.any(pad_dx)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_dropout_between_layers_matches_torch_with_the_same_mask(cell, global_random_seed):
    """In training mode layer k > 0 reads dropout(y_{k-1}); with the core's mask applied by hand between two
    one-layer torch modules, outputs and every gradient agree. In eval mode there is no dropout at all."""
    L, p = 2, 0.4
    m = getattr(rnncore, cell.upper())(I, H, num_layers=L, dropout=p, seed=global_random_seed)
    rng = np.random.default_rng(global_random_seed)
    x = rng.normal(size=(T, B, I))
    dy = rng.normal(size=(T, B, H))
    y, _ = m.forward(x)
    grads, dx, _ = m.backward(dy)
    mask = m._cache["layers"][1]["mask"]
    kept = mask[mask != 0]
    assert 0 < kept.size < mask.size and np.allclose(kept, 1 / (1 - p))

    layers = []
    for k in range(L):
        mod = getattr(torch.nn, cell.upper())(I if k == 0 else H, H).double()
        mod.load_state_dict({name.replace("_l%d" % k, "_l0"): torch.from_numpy(v.copy())
                             for name, v in m.params.items() if "_l%d" % k in name})
        layers.append(mod)
    xt = torch.from_numpy(x).requires_grad_(True)
    h, _ = layers[0](xt)
    yt, _ = layers[1](h * torch.from_numpy(mask))
    (yt * torch.from_numpy(dy)).sum().backward()
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=RTOL, atol=ATOL)
    for k, mod in enumerate(layers):
        for name, prm in mod.named_parameters():
            np.testing.assert_allclose(grads[name.replace("_l0", "_l%d" % k)], prm.grad.numpy(), rtol=RTOL,
                                       atol=ATOL * 10)

    tmod = getattr(torch.nn, cell.upper())(I, H, num_layers=L, dropout=p).double().eval()
    tmod.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in m.params.items()})
    y_eval, _ = m.eval().forward(x)
    np.testing.assert_allclose(y_eval, tmod(torch.from_numpy(x))[0].detach().numpy(), rtol=RTOL, atol=ATOL)
