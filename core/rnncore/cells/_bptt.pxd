# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
# Backpropagation through time: what every cell's sequence backward (rnn/lstm/gru_seq_bwd) does the same way
# around its own time loop. The loop stores dL/da_t of every step (rows of ``dax``/``dah``, stride ldg); the
# products that need no recurrence then run once over all T*B rows, as register-tiled matrix products:
#   dW_hh = sum_t dah_t^T h_{t-1}    dW_ih = sum_t dax_t^T x_t    dx += dax_t W_ih
#   db_ih = sum_t dax_t              db_hh = sum_t dah_t
# dax = dah for RNN and LSTM (one pre-activation a_t); GRU's differ in the n block (r multiplies W_hn h + b_hn).
from libc.stdlib cimport malloc, calloc, free
from libc.string cimport memcpy, memset
from rnncore._types cimport real
from rnncore._ops cimport gemm_acc, gemm_tn_acc, sum_rows_acc, sumsq, copy_padded
from rnncore.cells._steps cimport rows_at, rows_carried


cdef inline void bptt_begin(Py_ssize_t G, Py_ssize_t H, Py_ssize_t I,
                            const real* w_ih,       # IN (G, I)
                            const real* w_hh,       # IN (G, H)
                            real* wp,               # OUT W_hh with row stride H + 16, then W_ih with I + 16
                            real* dw_ih, real* dw_hh, real* db_ih, real* db_hh) noexcept nogil:   # OUT zeros
    """The weights copied with padded rows (see _ops.gemm_acc) for dL/dh_{t-1} = da_t W_hh and dx = da W_ih;
    the gradients zeroed. wp holds G * (H + 16 + I + 16) values."""
    copy_padded(G, H, w_hh, wp, H + 16)
    copy_padded(G, I, w_ih, wp + G * (H + 16), I + 16)
    memset(dw_ih, 0, G * I * sizeof(real))
    memset(dw_hh, 0, G * H * sizeof(real))
    memset(db_ih, 0, G * sizeof(real))
    memset(db_hh, 0, G * sizeof(real))


cdef inline double dh_total(Py_ssize_t H,
                            const real* dy,         # IN (H,): dL/dy_t of this direction
                            const real* dh,         # IN (H,): dL/dh_t carried back from step t+1
                            real* out) noexcept nogil:  # OUT (H,): dL/dh_t
    """dL/dh_t = dy_t + the carried part; returns |dL/dh_t|^2 (for grad_h_norms)."""
    cdef Py_ssize_t k
    for k in range(H):
        out[k] = dy[k] + dh[k]
    return sumsq(H, out)


cdef inline bint bptt_end_packed(Py_ssize_t T, Py_ssize_t B, Py_ssize_t G, Py_ssize_t H, Py_ssize_t I,
                                 const real* dax, const real* dah, Py_ssize_t ldg, const real* x, const real* y,
                                 Py_ssize_t DH, const real* h0, bint reverse, const real* wp, real* dx,
                                 real* dw_ih, real* dw_hh, real* db_ih, real* db_hh,
                                 const int* nb) noexcept nogil:
    """bptt_end with lengths: the rows that ran (N in all) are copied into contiguous buffers, in the packed
    sequence's layout, so the products stay single large tiled products over N rows. False when out of memory
    (nothing done)."""
    cdef Py_ssize_t t, b, n, nc, N = 0, r = 0, k
    cdef bint two = dah != dax
    for t in range(T):
        N += rows_at(nb, t, B)
    cdef real* pax = <real*>malloc(N * G * sizeof(real))
    cdef real* pah = <real*>malloc(N * G * sizeof(real)) if two else pax
    cdef real* px = <real*>malloc(N * I * sizeof(real))
    cdef real* ph = <real*>malloc(N * H * sizeof(real))
    cdef real* pdx = <real*>calloc(N * I, sizeof(real))
    if pax == NULL or pah == NULL or px == NULL or ph == NULL or pdx == NULL:
        free(pax)
        if two:
            free(pah)
        free(px)
        free(ph)
        free(pdx)
        return False
    for t in range(T):                                # gather: the rows that ran at t, and each one's h_{t-1}
        n = rows_at(nb, t, B)
        nc = rows_carried(nb, t, T, B, reverse)
        for b in range(n):
            memcpy(pax + (r + b) * G, dax + (t * B + b) * ldg, G * sizeof(real))
            if two:
                memcpy(pah + (r + b) * G, dah + (t * B + b) * ldg, G * sizeof(real))
            memcpy(px + (r + b) * I, x + (t * B + b) * I, I * sizeof(real))
            if b < nc:
                memcpy(ph + (r + b) * H, y + ((t + 1 if reverse else t - 1) * B + b) * DH, H * sizeof(real))
            else:
                memcpy(ph + (r + b) * H, h0 + b * H, H * sizeof(real))
        r += n
    gemm_tn_acc(N, G, H, pah, G, ph, H, dw_hh)
    gemm_tn_acc(N, G, I, pax, G, px, I, dw_ih)
    gemm_acc(N, G, I, pax, G, wp + G * (H + 16), I + 16, pdx, I)
    sum_rows_acc(N, G, pax, G, db_ih)
    if two:
        sum_rows_acc(N, G, pah, G, db_hh)
    else:
        for k in range(G):
            db_hh[k] += db_ih[k]
    r = 0
    for t in range(T):                                # scatter dx back to the padded layout
        n = rows_at(nb, t, B)
        for b in range(n):
            for k in range(I):
                dx[(t * B + b) * I + k] += pdx[(r + b) * I + k]
        r += n
    free(pax)
    if two:
        free(pah)
    free(px)
    free(ph)
    free(pdx)
    return True


cdef inline void bptt_end(Py_ssize_t T, Py_ssize_t B, Py_ssize_t G, Py_ssize_t H, Py_ssize_t I,
                          const real* dax,          # IN (T*B, G), row stride ldg: dL/d(W_ih x_t + b_ih)
                          const real* dah,          # IN (T*B, G), row stride ldg: dL/d(W_hh h_{t-1} + b_hh)
                          Py_ssize_t ldg,
                          const real* x,            # IN (T*B, I)
                          const real* y,            # IN &y[0, 0, col]: h_t, rows of stride DH
                          Py_ssize_t DH,
                          const real* h0,           # IN (B, H)
                          bint reverse,
                          const real* wp,           # IN the padded weights of bptt_begin
                          real* dx,                 # INOUT (T*B, I): += dL/dx
                          real* dw_ih, real* dw_hh, real* db_ih, real* db_hh,   # INOUT += all steps
                          const int* nb) noexcept nogil:   # IN (T,) rows run per step (cells/_steps.pxd) or NULL
    """Back through step 1 for all steps at once (see the header). h_{t-1} of step t is the row block of y one
    step earlier in processing order (t - 1 forward, t + 1 reverse), h0 for the step processed first.
    With lengths (``nb``), the same products step by step over the rows that ran only."""
    cdef Py_ssize_t k, first = T - 1 if reverse else 0
    cdef Py_ssize_t t, n, nc, r
    if nb != NULL:
        if bptt_end_packed(T, B, G, H, I, dax, dah, ldg, x, y, DH, h0, reverse, wp, dx, dw_ih, dw_hh, db_ih, db_hh,
                           nb):
            return
        for t in range(T):                            # out of memory for the packed copies: step by step
            n = rows_at(nb, t, B)
            nc = rows_carried(nb, t, T, B, reverse)
            r = t * B
            if nc > 0:                                # rows that read h_{t-1} (h_{t+1} in reverse) from y
                gemm_tn_acc(nc, G, H, dah + r * ldg, ldg, y + (t + 1 if reverse else t - 1) * B * DH, DH, dw_hh)
            if n > nc:                                # rows that started at t, from h0
                gemm_tn_acc(n - nc, G, H, dah + (r + nc) * ldg, ldg, h0 + nc * H, H, dw_hh)
            gemm_tn_acc(n, G, I, dax + r * ldg, ldg, x + r * I, I, dw_ih)
            gemm_acc(n, G, I, dax + r * ldg, ldg, wp + G * (H + 16), I + 16, dx + r * I, I)
            sum_rows_acc(n, G, dax + r * ldg, ldg, db_ih)
            if dah != dax:
                sum_rows_acc(n, G, dah + r * ldg, ldg, db_hh)
        if dah == dax:
            for k in range(G):
                db_hh[k] += db_ih[k]
        return
    if T > 1:
        if reverse:                                   # steps 0 .. T-2 read h_{t+1}
            gemm_tn_acc((T - 1) * B, G, H, dah, ldg, y + B * DH, DH, dw_hh)
        else:                                         # steps 1 .. T-1 read h_{t-1}
            gemm_tn_acc((T - 1) * B, G, H, dah + B * ldg, ldg, y, DH, dw_hh)
    gemm_tn_acc(B, G, H, dah + first * B * ldg, ldg, h0, H, dw_hh)
    gemm_tn_acc(T * B, G, I, dax, ldg, x, I, dw_ih)
    gemm_acc(T * B, G, I, dax, ldg, wp + G * (H + 16), I + 16, dx, I)
    sum_rows_acc(T * B, G, dax, ldg, db_ih)
    if dah == dax:
        for k in range(G):
            db_hh[k] += db_ih[k]
    else:
        sum_rows_acc(T * B, G, dah, ldg, db_hh)
