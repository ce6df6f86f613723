# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""LSTM time loops (steps numbered in lstm.pxd). Shapes are validated by rnncore.api before any call.

Sequence kernels do the recurrent product themselves (no BLAS: they also run in WebAssembly); step kernels do
one step's elementwise part for callers that do the product with BLAS (rnncore.api at large sizes).
Direction: ``reverse`` runs t = T-1 .. 0; the state before the first processed step is h0/c0.
"""
from libc.stdlib cimport malloc, free
from rnncore._types cimport real
from rnncore._ops cimport gemm_acc, gemm_tn_acc, sumsq


def lstm_seq_fwd(real[:, :, ::1] a,            # INOUT (T, B, 4H): in x_t W_ih^T + b_ih; out the gates i, f, g, o
                 const real[:, ::1] w_hh_t,    # IN (H, 4H): W_hh transposed
                 const real[::1] b_hh,         # IN (4H,)
                 const real[:, ::1] h0,        # IN (B, H)
                 const real[:, ::1] c0,        # IN (B, H)
                 real[:, :, ::1] c,            # OUT (T, B, H): c_t
                 real[:, :, ::1] y,            # OUT (T, B, D*H): h_t into columns [col, col + H)
                 Py_ssize_t col,               # IN this direction's first column in y
                 bint reverse):                # IN run t = T-1 .. 0
    cdef Py_ssize_t T = a.shape[0], B = a.shape[1], H = h0.shape[1], G = 4 * H, DH = y.shape[2]
    cdef Py_ssize_t s, t, tp, b, k, ldh
    cdef const real* h_prev
    cdef const real* c_prev
    cdef real* at
    with nogil:
        for s in range(T):
            t = T - 1 - s if reverse else s
            tp = t + 1 if reverse else t - 1
            if s == 0:
                h_prev, ldh = &h0[0, 0], H
            else:
                h_prev, ldh = &y[tp, 0, col], DH
            for b in range(B):
                at = &a[t, b, 0]
                for k in range(G):
                    at[k] += b_hh[k]                                   # 1: + b_hh
            gemm_acc(B, H, G, h_prev, ldh, &w_hh_t[0, 0], &a[t, 0, 0], G)   # 1: + W_hh h_{t-1}, whole batch
            for b in range(B):
                if s == 0:
                    c_prev = &c0[b, 0]
                else:
                    c_prev = &c[tp, b, 0]
                lstm_row_fwd(H, &a[t, b, 0], c_prev, &c[t, b, 0], &y[t, b, col])  # 1i-2b


def lstm_seq_bwd(const real[:, :, ::1] gates,  # IN (T, B, 4H): i, f, g, o from lstm_seq_fwd
                 const real[:, :, ::1] c,      # IN (T, B, H)
                 const real[:, ::1] c0,        # IN (B, H)
                 const real[:, :, ::1] y,      # IN (T, B, D*H): h_t in columns [col, col + H)
                 const real[:, ::1] h0,        # IN (B, H)
                 const real[:, ::1] w_hh,      # IN (4H, H)
                 const real[:, :, ::1] dy,     # IN (T, B, D*H): dL/dy, columns [col, col + H) used
                 real[:, ::1] dh,              # INOUT (B, H): in dL/dh of the final state, out dL/dh0
                 real[:, ::1] dc,              # INOUT (B, H): in dL/dc of the final state, out dL/dc0
                 real[:, :, ::1] da,           # OUT (T, B, 4H): dL/da_t (step 1)
                 double[::1] norm_sq,          # INOUT (T,): += |dL/dh_t|^2 over batch and hidden units
                 real[:, ::1] dw_hh,           # INOUT (4H, H): += sum_t da_t^T h_{t-1} when accumulate_dw
                 bint accumulate_dw,
                 Py_ssize_t col,
                 bint reverse):
    cdef Py_ssize_t T = gates.shape[0], B = gates.shape[1], H = c.shape[2], G = 4 * H, DH = y.shape[2]
    cdef Py_ssize_t s, t, tp, b, k, ldh
    cdef const real* h_prev
    cdef const real* c_prev
    cdef real* wb
    cdef double nsq
    cdef real* work = <real*>malloc(B * H * sizeof(real))
    if work == NULL:
        raise MemoryError()
    with nogil:
        for s in range(T):
            t = s if reverse else T - 1 - s
            tp = t + 1 if reverse else t - 1
            if s == T - 1:
                h_prev, ldh = &h0[0, 0], H
            else:
                h_prev, ldh = &y[tp, 0, col], DH
            nsq = 0.0
            for b in range(B):
                if s == T - 1:
                    c_prev = &c0[b, 0]
                else:
                    c_prev = &c[tp, b, 0]
                wb = work + b * H
                for k in range(H):
                    wb[k] = dy[t, b, col + k] + dh[b, k]               # dL/dh_t: output + carried from t+1
                nsq += sumsq(H, wb)
                lstm_row_bwd(H, &gates[t, b, 0], &c[t, b, 0], c_prev, wb, &dc[b, 0], &da[t, b, 0])  # back 2b-1i
            for k in range(B * H):
                (&dh[0, 0])[k] = 0
            gemm_acc(B, G, H, &da[t, 0, 0], G, &w_hh[0, 0], &dh[0, 0], H)  # back through 1: dL/dh_{t-1} = da_t W_hh
            if accumulate_dw:
                gemm_tn_acc(B, G, H, &da[t, 0, 0], G, h_prev, ldh, &dw_hh[0, 0])  # back through 1: dW_hh += da_t^T h_{t-1}
            norm_sq[t] += nsq
    free(work)


def lstm_step_fwd(real[:, ::1] a,              # INOUT (B, 4H): in x_t W_ih^T + b_ih; out i, f, g, o
                  const real[:, ::1] ah,       # IN (B, 4H): h_{t-1} W_hh^T + b_hh
                  const real[:, ::1] c_prev,   # IN (B, H)
                  real[:, ::1] c,              # OUT (B, H)
                  real[:, ::1] h):             # OUT (B, H) (may be a column block of y[t])
    cdef Py_ssize_t B = a.shape[0], G = a.shape[1], H = G // 4, b, k
    with nogil:
        for b in range(B):
            for k in range(G):
                a[b, k] += ah[b, k]                                    # 1
            lstm_row_fwd(H, &a[b, 0], &c_prev[b, 0], &c[b, 0], &h[b, 0])


def lstm_step_bwd(const real[:, ::1] gates,    # IN (B, 4H)
                  const real[:, ::1] c,        # IN (B, H)
                  const real[:, ::1] c_prev,   # IN (B, H)
                  const real[:, ::1] dy,       # IN (B, H): dL/dy_t for this direction
                  real[:, ::1] dh,             # INOUT (B, H): in dL/dh_t from t+1; out 0 (the caller adds da W_hh)
                  real[:, ::1] dc,             # INOUT (B, H): in dL/dc_t from t+1; out dL/dc_{t-1}
                  real[:, ::1] da):            # OUT (B, 4H)
    """One step back; returns |dL/dh_t|^2."""
    cdef Py_ssize_t B = gates.shape[0], H = c.shape[1], b, k
    cdef double nsq = 0.0
    with nogil:
        for b in range(B):
            for k in range(H):
                dh[b, k] = dh[b, k] + dy[b, k]
            nsq += sumsq(H, &dh[b, 0])
            lstm_row_bwd(H, &gates[b, 0], &c[b, 0], &c_prev[b, 0], &dh[b, 0], &dc[b, 0], &da[b, 0])
            for k in range(H):
                dh[b, k] = 0
    return nsq
