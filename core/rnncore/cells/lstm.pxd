# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
# LSTM, one batch row of one step, PyTorch gate order i, f, g, o. Numbered steps (cited by the backward):
#   1:  a_t = W_ih x_t + b_ih + W_hh h_{t-1} + b_hh           (4H: blocks i, f, g, o)
#   1i: i = sigmoid(a_i)   1f: f = sigmoid(a_f)   1g: g = tanh(a_g)   1o: o = sigmoid(a_o)
#   2a: c_t = f * c_{t-1} + i * g
#   2b: h_t = o * tanh(c_t)
from rnncore._types cimport real
from rnncore._activations cimport sigmoid_n, tanh_n, mul_tanh_n, tanh_, dsigmoid, dtanh


cdef inline void lstm_row_fwd(Py_ssize_t H,
                              real* a,             # INOUT (4H,): in a_t (step 1), out the gates i, f, g, o
                              const real* c_prev,  # IN (H,): c_{t-1}
                              real* c,             # OUT (H,): c_t
                              real* h) noexcept nogil:  # OUT (H,): h_t
    cdef Py_ssize_t k
    sigmoid_n(2 * H, a)                            # 1i, 1f
    tanh_n(H, a + 2 * H)                           # 1g
    sigmoid_n(H, a + 3 * H)                        # 1o
    cdef const real* i = a
    cdef const real* f = a + H
    cdef const real* g = a + 2 * H
    cdef const real* o = a + 3 * H
    for k in range(H):
        c[k] = f[k] * c_prev[k] + i[k] * g[k]      # 2a
    mul_tanh_n(H, o, c, h)                         # 2b


cdef inline void lstm_row_bwd(Py_ssize_t H,
                              const real* gates,   # IN (4H,): i, f, g, o of step t
                              const real* c,       # IN (H,): c_t
                              const real* c_prev,  # IN (H,): c_{t-1}
                              const real* dh,      # IN (H,): dL/dh_t (output + carried)
                              real* dc,            # INOUT (H,): in dL/dc_t from step t+1, out dL/dc_{t-1}
                              real* da) noexcept nogil:  # OUT (4H,): dL/da_t
    cdef Py_ssize_t k
    cdef const real* i = gates
    cdef const real* f = gates + H
    cdef const real* g = gates + 2 * H
    cdef const real* o = gates + 3 * H
    cdef real tc, dck
    for k in range(H):
        da[3 * H + k] = tanh_(c[k])                        # tanh(c_t) of 2b, recomputed (parked in da's o block)
    for k in range(H):
        tc = da[3 * H + k]
        da[3 * H + k] = dh[k] * tc * dsigmoid(o[k])        # back through 2b into o, then 1o
        dck = dc[k] + dh[k] * o[k] * dtanh(tc)             # back through 2b into c_t, plus the carried dc
        da[k] = dck * g[k] * dsigmoid(i[k])                # back through 2a into i, then 1i
        da[H + k] = dck * c_prev[k] * dsigmoid(f[k])       # back through 2a into f, then 1f
        da[2 * H + k] = dck * i[k] * dtanh(g[k])           # back through 2a into g, then 1g
        dc[k] = dck * f[k]                                 # back through 2a into c_{t-1}


# The forward sequence kernel (lstm.pyx; the signature of cells/_seq.pxd)
cdef int lstm_seq_fwd(Py_ssize_t T, Py_ssize_t B, Py_ssize_t I, Py_ssize_t H, const real* x, const real* w_ih,
                      const real* b_ih, const real* w_hh, const real* b_hh, const real* h0, const real* c0, real* a,
                      real* c, real* y, Py_ssize_t DH, Py_ssize_t col, real* h_n, real* c_n, bint reverse,
                      const int* nb) noexcept nogil
