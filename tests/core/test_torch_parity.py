"""Layer 3 of truth: rnncore against torch.nn.RNN/LSTM/GRU, where torch is installed (skipped where it is not)."""
import numpy as np
import pytest

import rnncore

from core_cases import CELLS, DIRECTIONS, DTYPES, TOL

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bidirectional", DIRECTIONS)
@pytest.mark.parametrize("T,B,I,H", [(1, 1, 1, 1), (6, 3, 4, 5), (3, 13, 20, 37)])
def test_matches_torch(cell, dtype, bidirectional, T, B, I, H, tmp_path, global_random_seed):
    torch.manual_seed(global_random_seed)
    tdtype = getattr(torch, dtype)
    mod = getattr(torch.nn, cell.upper())(I, H, bidirectional=bidirectional).to(tdtype)
    # a torch state_dict exported with numpy loads as is
    path = tmp_path / "w.npz"
    np.savez(path, **{k: v.detach().numpy() for k, v in mod.state_dict().items()})
    m = getattr(rnncore, cell.upper()).load(path)
    assert m.dtype == dtype and m.bidirectional == bidirectional

    rng = np.random.default_rng(global_random_seed)
    D = 2 if bidirectional else 1
    x = rng.normal(size=(T, B, I)).astype(dtype)
    h0 = rng.normal(size=(D, B, H)).astype(dtype)
    c0 = rng.normal(size=(D, B, H)).astype(dtype)
    dy = rng.normal(size=(T, B, D * H)).astype(dtype)
    dh = rng.normal(size=(D, B, H)).astype(dtype)
    dc = rng.normal(size=(D, B, H)).astype(dtype)

    xt = torch.from_numpy(x).requires_grad_(True)
    h0t = torch.from_numpy(h0).requires_grad_(True)
    c0t = torch.from_numpy(c0).requires_grad_(True)
    if cell == "lstm":
        yt, (hTt, cTt) = mod(xt, (h0t, c0t))
        loss = (yt * torch.from_numpy(dy)).sum() + (hTt * torch.from_numpy(dh)).sum() + (cTt * torch.from_numpy(dc)).sum()
        y, (hT, cT) = m.forward(x, (h0, c0))
        grads, dx, (dh0, dc0) = m.backward(dy, (dh, dc))
    else:
        yt, hTt = mod(xt, h0t)
        loss = (yt * torch.from_numpy(dy)).sum() + (hTt * torch.from_numpy(dh)).sum()
        y, hT = m.forward(x, h0)
        grads, dx, dh0 = m.backward(dy, dh)
    loss.backward()

    rtol, atol = TOL[dtype]
    rtol, atol = max(rtol, 1e-7), max(atol, 1e-9)                   # torch's own float64 rounding
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=rtol, atol=atol)
    np.testing.assert_allclose(hT, hTt.detach().numpy(), rtol=rtol, atol=atol)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=rtol, atol=atol)
    np.testing.assert_allclose(dh0, h0t.grad.numpy(), rtol=rtol, atol=atol)
    if cell == "lstm":
        np.testing.assert_allclose(cT, cTt.detach().numpy(), rtol=rtol, atol=atol)
        np.testing.assert_allclose(dc0, c0t.grad.numpy(), rtol=rtol, atol=atol)
    for name, p in mod.named_parameters():
        np.testing.assert_allclose(grads[name], p.grad.numpy(), rtol=rtol, atol=atol * 10, err_msg=name)
