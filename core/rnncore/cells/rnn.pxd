# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
# Elman RNN, one batch row of one step. Numbered steps (cited by the backward comments and rnncore.api):
#   1: a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh
#   2: h_t = tanh(a_t)
from rnncore._types cimport real
from rnncore._activations cimport tanh_, dtanh


cdef inline void rnn_row_fwd(Py_ssize_t H,
                             const real* a,        # IN (H,): pre-activation a_t (step 1)
                             real* h) noexcept nogil:   # OUT (H,): h_t
    cdef Py_ssize_t k
    for k in range(H):
        h[k] = tanh_(a[k])                         # 2: h_t = tanh(a_t)


cdef inline void rnn_row_bwd(Py_ssize_t H,
                             const real* h,        # IN (H,): h_t
                             const real* dh,       # IN (H,): dL/dh_t (output + carried)
                             real* da) noexcept nogil:  # OUT (H,): dL/da_t
    cdef Py_ssize_t k
    for k in range(H):
        da[k] = dh[k] * dtanh(h[k])                # back through 2: tanh' = 1 - h^2
