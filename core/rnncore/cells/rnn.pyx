# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Elman RNN time loops (steps numbered in rnn.pxd); the layout is lstm.pyx's with one gate block, lengths too."""
from cpython.pycapsule cimport PyCapsule_New
from libc.stdlib cimport malloc, free
from libc.string cimport memset
from rnncore._types cimport real
from rnncore._ops cimport gemm_acc, gemm_bias, transpose
from rnncore.cells._bptt cimport bptt_begin, bptt_end, dh_total
from rnncore.cells._steps cimport final_step, rows_at, rows_carried
from rnncore.cells._seq cimport SEQ_FWD_CAPSULE, seq_fwd_kernels


cdef int rnn_seq_fwd(Py_ssize_t T, Py_ssize_t B, Py_ssize_t I, Py_ssize_t H,
                     const real* x,            # IN (T, B, I)
                     const real* w_ih,         # IN (H, I)
                     const real* b_ih,         # IN (H,)
                     const real* w_hh,         # IN (H, H)
                     const real* b_hh,         # IN (H,)
                     const real* h0,           # IN (B, H)
                     const real* c0,           # (unused: cells/_seq.pxd's signature)
                     real* a,                  # OUT (T, B, H): a_t (step 1)
                     real* aux,                # (unused)
                     real* y,                  # OUT (T, B, DH): h_t into columns [col, col + H)
                     Py_ssize_t DH,
                     Py_ssize_t col,
                     real* h_n,                # OUT (B, H): the final h
                     real* c_n,                # (unused)
                     bint reverse,
                     const int* nb) noexcept nogil:   # IN (T,) rows run at each step (cells/_steps.pxd), or NULL
    cdef Py_ssize_t s, t, tp, b, k, n, nc
    cdef Py_ssize_t ldw = H + 16                        # padded row stride of the transposed weights
    cdef real* wt = <real*>malloc((I + H) * ldw * sizeof(real))   # W_ih^T (I, H), then W_hh^T (H, H)
    cdef real* bias = <real*>malloc(H * sizeof(real))             # b_ih + b_hh
    if wt == NULL or bias == NULL:
        free(wt)
        free(bias)
        return -1
    transpose(H, I, w_ih, wt, ldw)
    transpose(H, H, w_hh, wt + I * ldw, ldw)
    for k in range(H):
        bias[k] = b_ih[k] + b_hh[k]                                        # 1: b_ih + b_hh
    if nb == NULL:
        gemm_bias(T * B, I, H, x, I, wt, ldw, bias, a, H)                  # 1: + W_ih x_t, all steps at once
    else:
        for t in range(T):                                                 # 1: the same, running rows only
            gemm_bias(nb[t], I, H, x + t * B * I, I, wt, ldw, bias, a + t * B * H, H)
    for s in range(T):
        t = T - 1 - s if reverse else s
        tp = t + 1 if reverse else t - 1
        n = rows_at(nb, t, B)                       # rows [0, nc) continue from step tp, [nc, n) start from h0
        nc = rows_carried(nb, t, T, B, reverse)
        if nc > 0:                                                         # 1: + W_hh h_{t-1}, whole batch
            gemm_acc(nc, H, H, y + tp * B * DH + col, DH, wt + I * ldw, ldw, a + t * B * H, H)
        if n > nc:
            gemm_acc(n - nc, H, H, h0 + nc * H, H, wt + I * ldw, ldw, a + (t * B + nc) * H, H)
        for b in range(n):
            rnn_row_fwd(H, a + (t * B + b) * H, y + (t * B + b) * DH + col)  # 2
    for b in range(B):
        t = final_step(nb, T, b, reverse)
        for k in range(H):
            h_n[b * H + k] = y[(t * B + b) * DH + col + k]
    free(wt)
    free(bias)
    return 0


cdef seq_fwd_kernels _SEQ_FWD
_SEQ_FWD.f32 = rnn_seq_fwd[float]
_SEQ_FWD.f64 = rnn_seq_fwd[double]


def seq_fwd_capsule():
    """rnn_seq_fwd for float32 and float64, for rnncore._stack (cells/_seq.pxd)."""
    return PyCapsule_New(&_SEQ_FWD, SEQ_FWD_CAPSULE, NULL)


def rnn_seq_bwd(const real[:, :, ::1] x,       # IN (T, B, I)
                const real[:, ::1] w_ih,       # IN (H, I)
                const real[:, ::1] w_hh,       # IN (H, H)
                const real[:, ::1] h0,         # IN (B, H)
                const real[:, :, ::1] y,       # IN (T, B, D*H): h_t in columns [col, col + H)
                const real[:, :, ::1] dy,      # IN (T, B, D*H)
                real[:, ::1] dh,               # INOUT (B, H): in dL/dh of the final state, out dL/dh0
                real[:, :, ::1] dx,            # INOUT (T, B, I): += dL/dx through this direction
                real[:, ::1] dw_ih,            # OUT (H, I)
                real[:, ::1] dw_hh,            # OUT (H, H)
                real[::1] db_ih,               # OUT (H,)
                real[::1] db_hh,               # OUT (H,)
                double[::1] norm_sq,           # INOUT (T,): += |dL/dh_t|^2
                Py_ssize_t col,
                bint reverse,
                const int[::1] bs=None):       # IN (T,) rows run at each step, as in rnn_seq_fwd
    cdef Py_ssize_t T = x.shape[0], B = x.shape[1], I = x.shape[2], H = h0.shape[1], DH = y.shape[2]
    cdef Py_ssize_t s, t, b, n
    cdef const int* nb = NULL if bs is None else &bs[0]
    cdef real* wb
    cdef real* dat
    cdef double nsq
    cdef Py_ssize_t ldg = H + 16                                 # padded row stride (see _ops.gemm_acc)
    cdef real* work = <real*>malloc(B * H * sizeof(real))
    cdef real* da = <real*>malloc(T * B * ldg * sizeof(real))   # dL/da_t for every step
    cdef real* wp = <real*>malloc(H * (H + I + 32) * sizeof(real))   # padded weights (_bptt.bptt_begin)
    if work == NULL or da == NULL or wp == NULL:
        free(work)
        free(da)
        free(wp)
        raise MemoryError()
    with nogil:
        bptt_begin(H, H, I, &w_ih[0, 0], &w_hh[0, 0], wp, &dw_ih[0, 0], &dw_hh[0, 0], &db_ih[0], &db_hh[0])
        for s in range(T):
            t = s if reverse else T - 1 - s
            dat = da + t * B * ldg
            n = rows_at(nb, t, B)                  # rows past their end keep dh: the final state's, or dL/dh0
            nsq = 0.0
            for b in range(n):
                wb = work + b * H
                nsq += dh_total(H, &dy[t, b, col], &dh[b, 0], wb)     # dL/dh_t: output + carried from t+1
                rnn_row_bwd(H, &y[t, b, col], wb, dat + b * ldg)         # back through 2
            memset(&dh[0, 0], 0, n * H * sizeof(real))
            gemm_acc(n, H, H, dat, ldg, wp, H + 16, &dh[0, 0], H)     # back through 1: dL/dh_{t-1} = da_t W_hh
            norm_sq[t] += nsq
        bptt_end(T, B, H, H, I, da, da, ldg, &x[0, 0, 0], &y[0, 0, col], DH, &h0[0, 0], reverse, wp,
                 &dx[0, 0, 0], &dw_ih[0, 0], &dw_hh[0, 0], &db_ih[0], &db_hh[0], nb)  # back through 1, all steps
    free(work)
    free(da)
    free(wp)


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
            nsq += dh_total(H, &dy[b, 0], &dh[b, 0], &dh[b, 0])        # dL/dh_t, in place
            rnn_row_bwd(H, &h[b, 0], &dh[b, 0], &da[b, 0])
            for k in range(H):
                dh[b, k] = 0
    return nsq
