# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
# Backpropagation through time: what every cell's sequence backward (rnn/lstm/gru_seq_bwd) does the same way
# around its own time loop. The loop stores dL/da_t of every step (rows of ``dax``/``dah``, stride ldg); the
# products that need no recurrence then run once over all T*B rows, as register-tiled matrix products:
#   dW_hh = sum_t dah_t^T h_{t-1}    dW_ih = sum_t dax_t^T x_t    dx += dax_t W_ih
#   db_ih = sum_t dax_t              db_hh = sum_t dah_t
# dax = dah for RNN and LSTM (one pre-activation a_t); GRU's differ in the n block (r multiplies W_hn h + b_hn).
from libc.string cimport memset
from rnncore._types cimport real
from rnncore._ops cimport gemm_acc, gemm_tn_acc, sum_rows_acc, sumsq, copy_padded


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
                          real* dw_ih, real* dw_hh, real* db_ih, real* db_hh) noexcept nogil:  # INOUT += all steps
    """Back through step 1 for all steps at once (see the header). h_{t-1} of step t is the row block of y one
    step earlier in processing order (t - 1 forward, t + 1 reverse), h0 for the step processed first."""
    cdef Py_ssize_t k, first = T - 1 if reverse else 0
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
