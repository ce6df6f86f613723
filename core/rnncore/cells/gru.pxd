# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
# GRU, one batch row of one step, PyTorch gate order r, z, n, r applied to (W_hn h + b_hn). Numbered steps:
#   1:  ax = W_ih x_t + b_ih,  ah = W_hh h_{t-1} + b_hh       (3H each: blocks r, z, n)
#   1r: r = sigmoid(ax_r + ah_r)   1z: z = sigmoid(ax_z + ah_z)   1h: hn = ah_n (= W_hn h_{t-1} + b_hn)
#   2a: n = tanh(ax_n + r * hn)
#   2b: h_t = (1 - z) * n + z * h_{t-1}
from rnncore._types cimport real
from rnncore._activations cimport sigmoid_n, tanh_n, dsigmoid, dtanh


cdef inline void gru_row_fwd(Py_ssize_t H,
                             real* a,              # INOUT (3H,): in ax (step 1), out the gates r, z, n
                             const real* ah,       # IN (3H,): ah (step 1)
                             const real* h_prev,   # IN (H,): h_{t-1}
                             real* hn,             # OUT (H,): hn of 1h, kept for backward
                             real* h) noexcept nogil:   # OUT (H,): h_t
    cdef Py_ssize_t k
    cdef real z, one = 1                           # 2b in real: a literal 1 makes float32's (1 - z) a double
    for k in range(2 * H):
        a[k] += ah[k]
    sigmoid_n(2 * H, a)                            # 1r, 1z
    for k in range(H):
        hn[k] = ah[2 * H + k]                      # 1h
    for k in range(H):
        a[2 * H + k] += a[k] * ah[2 * H + k]
    tanh_n(H, a + 2 * H)                           # 2a
    for k in range(H):
        z = a[H + k]
        h[k] = (one - z) * a[2 * H + k] + z * h_prev[k]            # 2b


cdef inline void gru_row_bwd(Py_ssize_t H,
                             const real* gates,    # IN (3H,): r, z, n of step t
                             const real* hn,       # IN (H,): hn of step t
                             const real* h_prev,   # IN (H,): h_{t-1}
                             const real* dh,       # IN (H,): dL/dh_t (output + carried)
                             real* dax,            # OUT (3H,): dL/dax
                             real* dah,            # OUT (3H,): dL/dah
                             real* dh_prev) noexcept nogil:  # OUT (H,): the direct part of dL/dh_{t-1} (2b)
    cdef Py_ssize_t k
    cdef const real* r = gates
    cdef const real* z = gates + H
    cdef const real* n = gates + 2 * H
    cdef real dan, dar, daz
    for k in range(H):
        dan = dh[k] * (1 - z[k]) * dtanh(n[k])             # back through 2b into n, then 2a's tanh
        daz = dh[k] * (h_prev[k] - n[k]) * dsigmoid(z[k])  # back through 2b into z, then 1z
        dar = dan * hn[k] * dsigmoid(r[k])                 # back through 2a into r, then 1r
        dax[k] = dar
        dax[H + k] = daz
        dax[2 * H + k] = dan
        dah[k] = dar
        dah[H + k] = daz
        dah[2 * H + k] = dan * r[k]                        # back through 2a into hn (1h)
        dh_prev[k] = dh[k] * z[k]                          # back through 2b into h_{t-1}


# The forward sequence kernel (gru.pyx; the signature of cells/_seq.pxd)
cdef int gru_seq_fwd(Py_ssize_t T, Py_ssize_t B, Py_ssize_t I, Py_ssize_t H, const real* x, const real* w_ih,
                     const real* b_ih, const real* w_hh, const real* b_hh, const real* h0, const real* c0, real* a,
                     real* hn, real* y, Py_ssize_t DH, Py_ssize_t col, real* h_n, real* c_n, bint reverse,
                     const int* nb) noexcept nogil
