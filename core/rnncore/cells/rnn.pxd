# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
# Elman RNN, one batch row of one step. Numbered steps (cited by the backward comments and rnncore.api):
#   1: a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh
#   2: h_t = tanh(a_t)
from rnncore._types cimport real
from rnncore._activations cimport tanh_to_n, dtanh


cdef inline void rnn_row_fwd(Py_ssize_t H,
                             const real* a,        # IN (H,): pre-activation a_t (step 1)
                             real* h) noexcept nogil:   # OUT (H,): h_t
    tanh_to_n(H, a, h)                             # 2: h_t = tanh(a_t)


cdef inline void rnn_row_bwd(Py_ssize_t H,
                             const real* h,        # IN (H,): h_t
                             const real* dh,       # IN (H,): dL/dh_t (output + carried)
                             real* da) noexcept nogil:  # OUT (H,): dL/da_t
    cdef Py_ssize_t k
    for k in range(H):
        da[k] = dh[k] * dtanh(h[k])                # back through 2: tanh' = 1 - h^2


# The forward sequence kernel (rnn.pyx; the signature of cells/_seq.pxd)
cdef int rnn_seq_fwd(Py_ssize_t T, Py_ssize_t B, Py_ssize_t I, Py_ssize_t H, const real* x, const real* w_ih,
                     const real* b_ih, const real* w_hh, const real* b_hh, const real* h0, const real* c0, real* a,
                     real* aux, real* y, Py_ssize_t DH, Py_ssize_t col, real* h_n, real* c_n, bint reverse,
                     const int* nb) noexcept nogil
