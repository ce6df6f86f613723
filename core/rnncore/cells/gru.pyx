# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""GRU time loops (steps numbered in gru.pxd); the layout is lstm.pyx's, with the hidden part ``ah`` of step 1
kept apart because r multiplies only its n block, and two gradients (dax for W_ih, dah for W_hh); lengths as
there."""
from cpython.pycapsule cimport PyCapsule_New
from libc.stdlib cimport malloc, free
from rnncore._types cimport real
from rnncore._ops cimport gemm_acc, gemm_bias, transpose
from rnncore.cells._bptt cimport bptt_begin, bptt_end, dh_total
from rnncore.cells._steps cimport final_step, rows_at, rows_carried
from rnncore.cells._seq cimport SEQ_FWD_CAPSULE, seq_fwd_kernels


cdef int gru_seq_fwd(Py_ssize_t T, Py_ssize_t B, Py_ssize_t I, Py_ssize_t H,
                     const real* x,            # IN (T, B, I)
                     const real* w_ih,         # IN (3H, I)
                     const real* b_ih,         # IN (3H,)
                     const real* w_hh,         # IN (3H, H)
                     const real* b_hh,         # IN (3H,)
                     const real* h0,           # IN (B, H)
                     const real* c0,           # (unused: cells/_seq.pxd's signature)
                     real* a,                  # OUT (T, B, 3H): the gates r, z, n
                     real* hn,                 # OUT (T, B, H): W_hn h_{t-1} + b_hn (step 1h)
                     real* y,                  # OUT (T, B, DH): h_t into columns [col, col + H)
                     Py_ssize_t DH,
                     Py_ssize_t col,
                     real* h_n,                # OUT (B, H): the final h
                     real* c_n,                # (unused)
                     bint reverse,
                     const int* nb) noexcept nogil:   # IN (T,) rows run at each step (cells/_steps.pxd), or NULL
    cdef Py_ssize_t G = 3 * H
    cdef Py_ssize_t s, t, tp, b, k, n, nc
    cdef const real* h_prev
    cdef Py_ssize_t ldw = G + 16                        # padded row stride of the transposed weights
    cdef real* wt = <real*>malloc((I + H) * ldw * sizeof(real))   # W_ih^T (I, 3H), then W_hh^T (H, 3H)
    cdef real* ah = <real*>malloc(B * G * sizeof(real))         # ah of step 1, whole batch
    if wt == NULL or ah == NULL:
        free(wt)
        free(ah)
        return -1
    transpose(G, I, w_ih, wt, ldw)
    transpose(G, H, w_hh, wt + I * ldw, ldw)
    if nb == NULL:
        gemm_bias(T * B, I, G, x, I, wt, ldw, b_ih, a, G)                   # 1: ax = b_ih + W_ih x_t, all steps
    else:
        for t in range(T):                                                  # 1: the same, running rows only
            gemm_bias(nb[t], I, G, x + t * B * I, I, wt, ldw, b_ih, a + t * B * G, G)
    for s in range(T):
        t = T - 1 - s if reverse else s
        tp = t + 1 if reverse else t - 1
        n = rows_at(nb, t, B)                       # rows [0, nc) continue from step tp, [nc, n) start from h0
        nc = rows_carried(nb, t, T, B, reverse)
        if nc > 0:                                                          # 1: ah = b_hh + W_hh h_{t-1}
            gemm_bias(nc, H, G, y + tp * B * DH + col, DH, wt + I * ldw, ldw, b_hh, ah, G)
        if n > nc:
            gemm_bias(n - nc, H, G, h0 + nc * H, H, wt + I * ldw, ldw, b_hh, ah + nc * G, G)
        for b in range(n):
            h_prev = y + (tp * B + b) * DH + col if b < nc else h0 + b * H
            gru_row_fwd(H, a + (t * B + b) * G, ah + b * G, h_prev, hn + (t * B + b) * H,
                        y + (t * B + b) * DH + col)                          # 1r-2b
    for b in range(B):
        t = final_step(nb, T, b, reverse)
        for k in range(H):
            h_n[b * H + k] = y[(t * B + b) * DH + col + k]
    free(wt)
    free(ah)
    return 0


cdef seq_fwd_kernels _SEQ_FWD
_SEQ_FWD.f32 = gru_seq_fwd[float]
_SEQ_FWD.f64 = gru_seq_fwd[double]


def seq_fwd_capsule():
    """gru_seq_fwd for float32 and float64, for rnncore._stack (cells/_seq.pxd)."""
    return PyCapsule_New(&_SEQ_FWD, SEQ_FWD_CAPSULE, NULL)


def gru_seq_bwd(const real[:, :, ::1] x,       # IN (T, B, I)
                const real[:, ::1] w_ih,       # IN (3H, I)
                const real[:, ::1] w_hh,       # IN (3H, H)
                const real[:, ::1] h0,         # IN (B, H)
                const real[:, :, ::1] gates,   # IN (T, B, 3H): r, z, n from gru_seq_fwd
                const real[:, :, ::1] hn,      # IN (T, B, H)
                const real[:, :, ::1] y,       # IN (T, B, D*H): h_t in columns [col, col + H)
                const real[:, :, ::1] dy,      # IN (T, B, D*H)
                real[:, ::1] dh,               # INOUT (B, H): in dL/dh of the final state, out dL/dh0
                real[:, :, ::1] dx,            # INOUT (T, B, I): += dL/dx through this direction
                real[:, ::1] dw_ih,            # OUT (3H, I)
                real[:, ::1] dw_hh,            # OUT (3H, H)
                real[::1] db_ih,               # OUT (3H,)
                real[::1] db_hh,               # OUT (3H,)
                double[::1] norm_sq,           # INOUT (T,): += |dL/dh_t|^2
                Py_ssize_t col,
                bint reverse,
                const int[::1] bs=None):       # IN (T,) rows run at each step, as in gru_seq_fwd
    cdef Py_ssize_t T = x.shape[0], B = x.shape[1], I = x.shape[2], H = h0.shape[1], G = 3 * H, DH = y.shape[2]
    cdef Py_ssize_t s, t, tp, b, n, nc
    cdef const int* nb = NULL if bs is None else &bs[0]
    cdef const real* h_prev
    cdef real* wb
    cdef real* daxt
    cdef real* daht
    cdef double nsq
    cdef Py_ssize_t ldg = G + 16                                 # padded row stride (see _ops.gemm_acc)
    cdef real* work = <real*>malloc(B * H * sizeof(real))
    cdef real* dax = <real*>malloc(T * B * ldg * sizeof(real))  # dL/dax_t for every step
    cdef real* dah = <real*>malloc(T * B * ldg * sizeof(real))  # dL/dah_t for every step
    cdef real* wp = <real*>malloc(G * (H + I + 32) * sizeof(real))   # padded weights (_bptt.bptt_begin)
    if work == NULL or dax == NULL or dah == NULL or wp == NULL:
        free(work)
        free(dax)
        free(dah)
        free(wp)
        raise MemoryError()
    with nogil:
        bptt_begin(G, H, I, &w_ih[0, 0], &w_hh[0, 0], wp, &dw_ih[0, 0], &dw_hh[0, 0], &db_ih[0], &db_hh[0])
        for s in range(T):
            t = s if reverse else T - 1 - s
            tp = t + 1 if reverse else t - 1
            daxt = dax + t * B * ldg
            daht = dah + t * B * ldg
            n = rows_at(nb, t, B)                  # rows past their end keep dh: the final state's, or dL/dh0
            nc = rows_carried(nb, t, T, B, reverse)
            nsq = 0.0
            for b in range(n):
                h_prev = &y[tp, b, col] if b < nc else &h0[b, 0]
                wb = work + b * H
                nsq += dh_total(H, &dy[t, b, col], &dh[b, 0], wb)     # dL/dh_t: output + carried from t+1
                gru_row_bwd(H, &gates[t, b, 0], &hn[t, b, 0], h_prev, wb, daxt + b * ldg, daht + b * ldg,
                            &dh[b, 0])                                 # back through 2b-1r; dh = direct part
            gemm_acc(n, G, H, daht, ldg, wp, H + 16, &dh[0, 0], H)    # back through 1: dL/dh_{t-1} += dah_t W_hh
            norm_sq[t] += nsq
        bptt_end(T, B, G, H, I, dax, dah, ldg, &x[0, 0, 0], &y[0, 0, col], DH, &h0[0, 0], reverse, wp,
                 &dx[0, 0, 0], &dw_ih[0, 0], &dw_hh[0, 0], &db_ih[0], &db_hh[0], nb)  # back through 1, all steps
    free(work)
    free(dax)
    free(dah)
    free(wp)


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
            nsq += dh_total(H, &dy[b, 0], &dh[b, 0], work)
            gru_row_bwd(H, &gates[b, 0], &hn[b, 0], &h_prev[b, 0], work, &dax[b, 0], &dah[b, 0], &dh[b, 0])
    free(work)
    return nsq
