# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Elman RNN time loops (steps numbered in rnn.pxd); the layout is lstm.pyx's with one gate block."""
from libc.stdlib cimport malloc, free
from rnncore._types cimport real
from rnncore._ops cimport gemm_acc, gemm_tn_acc, sumsq


def rnn_seq_fwd(real[:, :, ::1] a,             # INOUT (T, B, H): in x_t W_ih^T + b_ih; out a_t (step 1)
                const real[:, ::1] w_hh_t,     # IN (H, H): W_hh transposed
                const real[::1] b_hh,          # IN (H,)
                const real[:, ::1] h0,         # IN (B, H)
                real[:, :, ::1] y,             # OUT (T, B, D*H): h_t into columns [col, col + H)
                Py_ssize_t col,
                bint reverse):
    cdef Py_ssize_t T = a.shape[0], B = a.shape[1], H = h0.shape[1], DH = y.shape[2], s, t, tp, b, k, ldh
    cdef const real* h_prev
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
                for k in range(H):
                    at[k] += b_hh[k]                                   # 1: + b_hh
            gemm_acc(B, H, H, h_prev, ldh, &w_hh_t[0, 0], &a[t, 0, 0], H)   # 1: + W_hh h_{t-1}, whole batch
            for b in range(B):
                rnn_row_fwd(H, &a[t, b, 0], &y[t, b, col])             # 2


def rnn_seq_bwd(const real[:, :, ::1] y,       # IN (T, B, D*H): h_t in columns [col, col + H)
                const real[:, ::1] h0,         # IN (B, H)
                const real[:, ::1] w_hh,       # IN (H, H)
                const real[:, :, ::1] dy,      # IN (T, B, D*H)
                real[:, ::1] dh,               # INOUT (B, H): in dL/dh of the final state, out dL/dh0
                real[:, :, ::1] da,            # OUT (T, B, H): dL/da_t
                double[::1] norm_sq,           # INOUT (T,): += |dL/dh_t|^2
                real[:, ::1] dw_hh,            # INOUT (H, H): += sum_t da_t^T h_{t-1} when accumulate_dw
                bint accumulate_dw,
                Py_ssize_t col,
                bint reverse):
    cdef Py_ssize_t T = y.shape[0], B = y.shape[1], H = h0.shape[1], DH = y.shape[2], s, t, tp, b, k, ldh
    cdef const real* h_prev
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
                wb = work + b * H
                for k in range(H):
                    wb[k] = dy[t, b, col + k] + dh[b, k]               # dL/dh_t: output + carried from t+1
                nsq += sumsq(H, wb)
                rnn_row_bwd(H, &y[t, b, col], wb, &da[t, b, 0])        # back through 2
            for k in range(B * H):
                (&dh[0, 0])[k] = 0
            gemm_acc(B, H, H, &da[t, 0, 0], H, &w_hh[0, 0], &dh[0, 0], H)   # back through 1: dL/dh_{t-1} = da_t W_hh
            if accumulate_dw:
                gemm_tn_acc(B, H, H, &da[t, 0, 0], H, h_prev, ldh, &dw_hh[0, 0])  # back through 1: dW_hh += da_t^T h_{t-1}
            norm_sq[t] += nsq
    free(work)


def rnn_step_fwd(real[:, ::1] a,               # INOUT (B, H): in x_t W_ih^T + b_ih; out a_t
                 const real[:, ::1] ah,        # IN (B, H): h_{t-1} W_hh^T + b_hh
                 real[:, ::1] h):              # OUT (B, H)
    cdef Py_ssize_t B = a.shape[0], H = a.shape[1], b, k
    with nogil:
        for b in range(B):
            for k in range(H):
                a[b, k] += ah[b, k]                                    # 1
            rnn_row_fwd(H, &a[b, 0], &h[b, 0])                         # 2


def rnn_step_bwd(const real[:, ::1] h,         # IN (B, H): h_t
                 const real[:, ::1] dy,        # IN (B, H)
                 real[:, ::1] dh,              # INOUT (B, H): in dL/dh_t from t+1; out 0 (the caller adds da W_hh)
                 real[:, ::1] da):             # OUT (B, H)
    """One step back; returns |dL/dh_t|^2."""
    cdef Py_ssize_t B = h.shape[0], H = h.shape[1], b, k
    cdef double nsq = 0.0
    with nogil:
        for b in range(B):
            for k in range(H):
                dh[b, k] = dh[b, k] + dy[b, k]
            nsq += sumsq(H, &dh[b, 0])
            rnn_row_bwd(H, &h[b, 0], &dh[b, 0], &da[b, 0])
            for k in range(H):
                dh[b, k] = 0
    return nsq
