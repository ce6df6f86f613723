"""Additive (Bahdanau) attention: forward and backward, with or without numpy.

A decoder state (the *query*) scores every encoder output (the *keys*, which are also the values) with a small
feed-forward network, the scores become weights with a softmax over the input positions, and the *context* is the
weighted sum of the encoder outputs. Bahdanau, Cho & Bengio (2015) introduced this score; it is often called
"additive" or "concat" attention (Luong, Pham & Manning 2015).

Shapes follow the package's time-major convention: ``query`` (T, B, Hq) -- one query per decoder step --,
``keys`` (S, B, Hk) -- the encoder outputs of S input steps --; ``context`` (T, B, Hk), ``weights`` (T, B, S).
Parameters (``params``): ``weight_q`` (A, Hq), ``weight_k`` (A, Hk), ``bias`` (A,), ``v`` (A,), with A the
attention size.

Equations (numbered; ``backward`` cites the numbers)::

    (1) q_t  = W_q s_t                       projected query      (T, B, A)
    (2) k_j  = W_k h_j + b                   projected keys       (S, B, A)
    (3) u_tj = tanh(q_t + k_j)                                    (T, B, S, A)
    (4) e_tj = v . u_tj                      score                (T, B, S)
    (5) a_tj = exp(e_tj) / sum_j' exp(e_tj') weights (softmax over the input positions j)
    (6) c_t  = sum_j a_tj h_j                context              (T, B, Hk)

Two paths with the same results to rounding (``rnncore.train``'s convention): numpy when it imports, else plain
Python on flat lists (Pyodide has no numpy); outputs are then shaped ``memoryview``s. Whether numpy is used is
decided by ``rnncore._buffers.HAVE_NUMPY`` (the tests flip it).
"""
import math
import random

from . import _buffers as buf

__all__ = ["AdditiveAttention"]


class AdditiveAttention:
    """Additive attention of a query of size ``query_size`` over keys of size ``key_size``.

    Parameters
    ----------
    query_size, key_size, attention_size : int
        Hq, Hk and A.
    dtype : {"float64", "float32"}
    seed : int
        Every parameter starts from U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (``nn.Linear``'s default; ``v`` uses A),
        drawn with ``random.Random(seed)`` so both paths start from the same numbers.

    Attributes
    ----------
    params : dict of arrays (``weight_q``, ``weight_k``, ``bias``, ``v``)
    weights : the attention weights of the last forward, shape (T, B, S)
    scores : the scores e of the last forward (before the softmax), shape (T, B, S)
    """

    def __init__(self, query_size, key_size, attention_size, dtype="float64", seed=0):
        for name, v in (("query_size", query_size), ("key_size", key_size), ("attention_size", attention_size)):
            if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 4096:
                raise ValueError(f"{name} must be an int in [1, 4096]; got {v!r}")
        if dtype not in ("float64", "float32"):
            raise ValueError(f"dtype must be 'float64' or 'float32'; got {dtype!r}")
        self.query_size, self.key_size, self.attention_size, self.dtype = query_size, key_size, attention_size, dtype
        rng = random.Random(seed)
        A = attention_size

        def uniform(n, fan_in):
            k = 1.0 / math.sqrt(fan_in)
            return [rng.uniform(-k, k) for _ in range(n)]

        self.params = {
            "weight_q": buf.from_flat(uniform(A * query_size, query_size), (A, query_size), dtype),
            "weight_k": buf.from_flat(uniform(A * key_size, key_size), (A, key_size), dtype),
            "bias": buf.from_flat(uniform(A, key_size), (A,), dtype),
            "v": buf.from_flat(uniform(A, A), (A,), dtype),
        }
        self.weights = None
        self.scores = None
        self._cache = None

    # ------------------------------------------------------------------------------------------------ checks
    def _check(self, query, keys):
        qs, ks = buf.shape_any(query), buf.shape_any(keys)
        if len(qs) != 3 or qs[2] != self.query_size:
            raise ValueError(f"query must have shape (T, B, {self.query_size}); got {qs}")
        if len(ks) != 3 or ks[2] != self.key_size:
            raise ValueError(f"keys must have shape (S, B, {self.key_size}); got {ks}")
        if qs[1] != ks[1]:
            raise ValueError(f"query and keys must have the same batch size; got {qs[1]} and {ks[1]}")
        if qs[0] < 1 or ks[0] < 1:
            raise ValueError(f"query and keys need at least one step; got shapes {qs} and {ks}")
        return qs, ks

    # ----------------------------------------------------------------------------------------------- forward
    def forward(self, query, keys):
        """query (T, B, Hq), keys (S, B, Hk) -> (context (T, B, Hk), weights (T, B, S))."""
        qs, ks = self._check(query, keys)
        np = buf.numpy()
        if np is not None:
            context, weights = self._forward_np(np, query, keys)
        else:
            context, weights = self._forward_py(query, keys, qs, ks)
        self.weights = weights
        return context, weights

    def _forward_np(self, np, query, keys):
        p = {k: np.asarray(v) for k, v in self.params.items()}
        dt = p["v"].dtype
        s = np.asarray(query, dtype=dt)
        h = np.asarray(keys, dtype=dt)
        q = s @ p["weight_q"].T                                   # (1) (T, B, A)
        k = h @ p["weight_k"].T + p["bias"]                       # (2) (S, B, A)
        u = np.tanh(q[:, None, :, :] + k[None, :, :, :])          # (3) (T, S, B, A)
        e = u @ p["v"]                                            # (4) (T, S, B)
        self.scores = np.ascontiguousarray(e.transpose(0, 2, 1))
        e = e - e.max(axis=1, keepdims=True)
        a = np.exp(e)
        a /= a.sum(axis=1, keepdims=True)                         # (5) softmax over S
        c = np.einsum("tsb,sbh->tbh", a, h)                       # (6) (T, B, Hk)
        self._cache = ("np", s, h, u, a)
        return c, np.ascontiguousarray(a.transpose(0, 2, 1))      # weights (T, B, S)

    def _forward_py(self, query, keys, qs, ks):
        (T, B, Hq), (S, _, Hk), A = qs, ks, self.attention_size
        dtype = self.dtype
        sq, _ = buf.to_flat(query)
        hk, _ = buf.to_flat(keys)
        wq, _ = buf.to_flat(self.params["weight_q"])
        wk, _ = buf.to_flat(self.params["weight_k"])
        bias, _ = buf.to_flat(self.params["bias"])
        v, _ = buf.to_flat(self.params["v"])
        wq_rows = [wq[a * Hq:(a + 1) * Hq] for a in range(A)]
        wk_rows = [wk[a * Hk:(a + 1) * Hk] for a in range(A)]
        s_rows = [sq[r * Hq:(r + 1) * Hq] for r in range(T * B)]           # row t*B + b
        h_rows = [hk[r * Hk:(r + 1) * Hk] for r in range(S * B)]           # row j*B + b
        q = [[buf.dot(row, w) for w in wq_rows] for row in s_rows]            # (1)
        k = [[buf.dot(row, w) + bb for w, bb in zip(wk_rows, bias)] for row in h_rows]   # (2)
        u_all, a_all, e_all, ctx = [], [], [], []
        for t in range(T):
            for b in range(B):
                qt = q[t * B + b]
                u = [[math.tanh(x + y) for x, y in zip(qt, k[j * B + b])] for j in range(S)]   # (3)
                e = [buf.dot(v, uj) for uj in u]                                                  # (4)
                top = max(e)
                ex = [math.exp(x - top) for x in e]
                total = sum(ex)
                a = [x / total for x in ex]                                                    # (5)
                c = [0.0] * Hk
                for j in range(S):                                                             # (6)
                    aj, hj = a[j], h_rows[j * B + b]
                    c = [cc + aj * hh for cc, hh in zip(c, hj)]
                u_all.append(u)
                a_all.append(a)
                e_all.extend(e)
                ctx.extend(c)
        self._cache = ("py", s_rows, h_rows, u_all, a_all, (T, B, S, Hq, Hk))
        self.scores = buf.from_flat(e_all, (T, B, S), dtype)
        weights = [x for a in a_all for x in a]
        return buf.from_flat(ctx, (T, B, Hk), dtype), buf.from_flat(weights, (T, B, S), dtype)

    # ---------------------------------------------------------------------------------------------- backward
    def backward(self, dcontext, dweights=None):
        """dcontext (T, B, Hk) [, dweights (T, B, S)] -> (grads {weight_q, weight_k, bias, v}, dquery, dkeys).

        Through the last ``forward``; ``dweights`` is an extra gradient on the weights themselves (default none).
        """
        if self._cache is None:
            raise ValueError("backward() called before forward()")
        if self._cache[0] == "np":
            return self._backward_np(buf.numpy(), dcontext, dweights)
        return self._backward_py(dcontext, dweights)

    def _backward_np(self, np, dcontext, dweights):
        _, s, h, u, a = self._cache
        p = {k: np.asarray(v) for k, v in self.params.items()}
        dc = np.asarray(dcontext, dtype=p["v"].dtype)
        if dc.shape != (s.shape[0], s.shape[1], h.shape[2]):
            raise ValueError(f"dcontext must have shape {(s.shape[0], s.shape[1], h.shape[2])}; got {dc.shape}")
        # (6) c_t = sum_j a_tj h_j:  da_tj = dc_t . h_j,  dh_j += sum_t a_tj dc_t
        da = np.einsum("tbh,sbh->tsb", dc, h)
        if dweights is not None:
            da = da + np.asarray(dweights, dtype=dc.dtype).transpose(0, 2, 1)
        dh = np.einsum("tsb,tbh->sbh", a, dc)
        # (5) softmax: de_tj = a_tj (da_tj - sum_j' a_tj' da_tj')
        de = a * (da - (a * da).sum(axis=1, keepdims=True))
        # (4) e = v . u:  dv = sum de u,  du = de v
        dv = np.einsum("tsb,tsba->a", de, u)
        du = de[..., None] * p["v"]
        # (3) u = tanh(q + k):  dpre = du (1 - u^2), shared by q (sum over j) and k (sum over t)
        dpre = du * (1.0 - u * u)
        dq = dpre.sum(axis=1)                                     # (T, B, A)
        dk = dpre.sum(axis=0)                                     # (S, B, A)
        # (1), (2): the two projections
        A = self.attention_size
        grads = {"weight_q": dq.reshape(-1, A).T @ s.reshape(-1, s.shape[2]),
                 "weight_k": dk.reshape(-1, A).T @ h.reshape(-1, h.shape[2]),
                 "bias": dk.reshape(-1, A).sum(axis=0), "v": dv}
        dquery = dq @ p["weight_q"]
        dkeys = dh + dk @ p["weight_k"]
        return grads, dquery, dkeys

    def _backward_py(self, dcontext, dweights):
        _, s_rows, h_rows, u_all, a_all, (T, B, S, Hq, Hk) = self._cache
        A = self.attention_size
        dtype = self.dtype
        dc, shape = buf.to_flat(dcontext)
        if tuple(shape) != (T, B, Hk):
            raise ValueError(f"dcontext must have shape {(T, B, Hk)}; got {tuple(shape)}")
        dw = buf.to_flat(dweights)[0] if dweights is not None else None
        wq, _ = buf.to_flat(self.params["weight_q"])
        wk, _ = buf.to_flat(self.params["weight_k"])
        v, _ = buf.to_flat(self.params["v"])
        dh = [[0.0] * Hk for _ in range(S * B)]
        dq_rows = [[0.0] * A for _ in range(T * B)]
        dk_rows = [[0.0] * A for _ in range(S * B)]
        dv = [0.0] * A
        for t in range(T):
            for b in range(B):
                r = t * B + b
                dct = dc[r * Hk:(r + 1) * Hk]
                a, u = a_all[r], u_all[r]
                # (6): da_j = dc . h_j ; dh_j += a_j dc
                da = [buf.dot(dct, h_rows[j * B + b]) for j in range(S)]
                if dw is not None:
                    da = [x + dw[r * S + j] for j, x in enumerate(da)]
                for j in range(S):
                    row, aj = dh[j * B + b], a[j]
                    dh[j * B + b] = [x + aj * y for x, y in zip(row, dct)]
                # (5): softmax
                mean = buf.dot(a, da)
                de = [aj * (x - mean) for aj, x in zip(a, da)]
                dq = dq_rows[r]
                for j in range(S):
                    uj, dej = u[j], de[j]
                    dv = [x + dej * y for x, y in zip(dv, uj)]                         # (4)
                    dpre = [dej * vv * (1.0 - y * y) for vv, y in zip(v, uj)]          # (4), (3)
                    dq = [x + y for x, y in zip(dq, dpre)]
                    dkr = dk_rows[j * B + b]
                    dk_rows[j * B + b] = [x + y for x, y in zip(dkr, dpre)]
                dq_rows[r] = dq
        # (1), (2): projections
        gwq = [buf.dot([dq_rows[r][a] for r in range(T * B)], [s_rows[r][i] for r in range(T * B)])
               for a in range(A) for i in range(Hq)]
        gwk = [buf.dot([dk_rows[r][a] for r in range(S * B)], [h_rows[r][i] for r in range(S * B)])
               for a in range(A) for i in range(Hk)]
        gb = [sum(dk_rows[r][a] for r in range(S * B)) for a in range(A)]
        wq_cols = [wq[i::Hq] for i in range(Hq)]
        wk_cols = [wk[i::Hk] for i in range(Hk)]
        dquery = [buf.dot(row, col) for row in dq_rows for col in wq_cols]
        dkeys = [dh[r][i] + buf.dot(dk_rows[r], wk_cols[i]) for r in range(S * B) for i in range(Hk)]
        grads = {"weight_q": buf.from_flat(gwq, (A, Hq), dtype), "weight_k": buf.from_flat(gwk, (A, Hk), dtype),
                 "bias": buf.from_flat(gb, (A,), dtype), "v": buf.from_flat(dv, (A,), dtype)}
        return grads, buf.from_flat(dquery, (T, B, Hq), dtype), buf.from_flat(dkeys, (S, B, Hk), dtype)
