# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""GRU time loops (steps numbered in gru.pxd); the layout is lstm.pyx's, with the hidden part ``ah`` of step 1
kept apart because r multiplies only its n block, and two gradients (dax for W_ih, dah for W_hh)."""
from libc.stdlib cimport malloc, free
from rnncore._types cimport real
from rnncore._ops cimport gemm_acc, gemm_tn_acc, sumsq


def gru_seq_fwd(real[:, :, ::1] a,             # INOUT (T, B, 3H): in ax = x_t W_ih^T + b_ih; out the gates r, z, n
                const real[:, ::1] w_hh_t,     # IN (H, 3H): W_hh transposed
                const real[::1] b_hh,          # IN (3H,)
                const real[:, ::1] h0,         # IN (B, H)
                real[:, :, ::1] hn,            # OUT (T, B, H): W_hn h_{t-1} + b_hn (step 1h)
                real[:, :, ::1] y,             # OUT (T, B, D*H): h_t into columns [col, col + H)
                Py_ssize_t col,
                bint reverse):
    cdef Py_ssize_t T = a.shape[0], B = a.shape[1], H = h0.shape[1], G = 3 * H, DH = y.shape[2]
    cdef Py_ssize_t s, t, tp, b, k, ldh
    cdef const real* h_prev
    cdef real* ah = <real*>malloc(B * G * sizeof(real))
    if ah == NULL:
        raise MemoryError()
    with nogil:
        for s in range(T):
            t = T - 1 - s if reverse else s
            tp = t + 1 if reverse else t - 1
            if s == 0:
                h_prev, ldh = &h0[0, 0], H
            else:
                h_prev, ldh = &y[tp, 0, col], DH
            for b in range(B):
                for k in range(G):
                    ah[b * G + k] = b_hh[k]                            # 1: ah = b_hh
            gemm_acc(B, H, G, h_prev, ldh, &w_hh_t[0, 0], ah, G)       # 1: ah += W_hh h_{t-1}, whole batch
            for b in range(B):
                gru_row_fwd(H, &a[t, b, 0], ah + b * G, h_prev + b * ldh, &hn[t, b, 0], &y[t, b, col])  # 1r-2b
    free(ah)


def gru_seq_bwd(const real[:, :, ::1] gates,   # IN (T, B, 3H): r, z, n from gru_seq_fwd
                const real[:, :, ::1] hn,      # IN (T, B, H)
                const real[:, :, ::1] y,       # IN (T, B, D*H): h_t in columns [col, col + H)
                const real[:, ::1] h0,         # IN (B, H)
                const real[:, ::1] w_hh,       # IN (3H, H)
                const real[:, :, ::1] dy,      # IN (T, B, D*H)
                real[:, ::1] dh,               # INOUT (B, H): in dL/dh of the final state, out dL/dh0
                real[:, :, ::1] dax,           # OUT (T, B, 3H): dL/dax_t
                real[:, :, ::1] dah,           # OUT (T, B, 3H): dL/dah_t
                double[::1] norm_sq,           # INOUT (T,): += |dL/dh_t|^2
                real[:, ::1] dw_hh,            # INOUT (3H, H): += sum_t dah_t^T h_{t-1} when accumulate_dw
                bint accumulate_dw,
                Py_ssize_t col,
                bint reverse):
    cdef Py_ssize_t T = gates.shape[0], B = gates.shape[1], H = h0.shape[1], G = 3 * H, DH = y.shape[2]
    cdef Py_ssize_t s, t, tp, b, k, ldh
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
                gru_row_bwd(H, &gates[t, b, 0], &hn[t, b, 0], h_prev + b * ldh, wb, &dax[t, b, 0], &dah[t, b, 0],
                            &dh[b, 0])                                 # back through 2b-1r; dh = direct part
            gemm_acc(B, G, H, &dah[t, 0, 0], G, &w_hh[0, 0], &dh[0, 0], H)  # back through 1: dL/dh_{t-1} += dah_t W_hh
            if accumulate_dw:
                gemm_tn_acc(B, G, H, &dah[t, 0, 0], G, h_prev, ldh, &dw_hh[0, 0])  # back through 1: dW_hh += dah^T h
            norm_sq[t] += nsq
    free(work)


def gru_step_fwd(real[:, ::1] a,               # INOUT (B, 3H): in ax; out r, z, n
                 const real[:, ::1] ah,        # IN (B, 3H): h_{t-1} W_hh^T + b_hh
                 const real[:, ::1] h_prev,    # IN (B, H)
                 real[:, ::1] hn,              # OUT (B, H)
                 real[:, ::1] h):              # OUT (B, H)
    cdef Py_ssize_t B = a.shape[0], H = a.shape[1] // 3, b
    with nogil:
        for b in range(B):
            gru_row_fwd(H, &a[b, 0], &ah[b, 0], &h_prev[b, 0], &hn[b, 0], &h[b, 0])


def gru_step_bwd(const real[:, ::1] gates,     # IN (B, 3H)
                 const real[:, ::1] hn,        # IN (B, H)
                 const real[:, ::1] h_prev,    # IN (B, H)
                 const real[:, ::1] dy,        # IN (B, H)
                 real[:, ::1] dh,              # INOUT (B, H): in dL/dh_t from t+1; out the direct part of
                                               #   dL/dh_{t-1} (the caller adds dah W_hh)
                 real[:, ::1] dax,             # OUT (B, 3H)
                 real[:, ::1] dah):            # OUT (B, 3H)
    """One step back; returns |dL/dh_t|^2."""
    cdef Py_ssize_t B = gates.shape[0], H = hn.shape[1], b, k
    cdef double nsq = 0.0
    cdef real* work = <real*>malloc(H * sizeof(real))
    if work == NULL:
        raise MemoryError()
    with nogil:
        for b in range(B):
            for k in range(H):
                work[k] = dh[b, k] + dy[b, k]
            nsq += sumsq(H, work)
            gru_row_bwd(H, &gates[b, 0], &hn[b, 0], &h_prev[b, 0], work, &dax[b, 0], &dah[b, 0], &dh[b, 0])
    free(work)
    return nsq
