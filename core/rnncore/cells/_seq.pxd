# cython: language_level=3
# The one signature of the cells' forward sequence kernels (<cell>_seq_fwd in cells/{rnn,lstm,gru}.pyx): one
# direction of one layer over all T steps, on C pointers to C-contiguous arrays. rnncore._stack runs a whole stack
# through these function pointers, taken once from the kernel module of the build chosen for this CPU (each module's
# ``seq_fwd_capsule()``), so a forward crosses from Python into C once, whatever the number of layers and directions.
#   x (T, B, I); w_ih (G*H, I); b_ih (G*H,); w_hh (G*H, H); b_hh (G*H,); h0, c0 (B, H);
#   a (T, B, G*H) out: the gates; aux (T, B, H) out: LSTM c_t, GRU hn_t (unused by RNN);
#   y (T, B, DH) out: h_t in columns [col, col + H); h_n, c_n (B, H) out: the final state (c0, c_n: LSTM only);
#   nb (T,) or NULL: rows run at each step (cells/_steps.pxd). Returns 0, or -1 when out of memory.
ctypedef int (*seq_fwd_f32)(Py_ssize_t T, Py_ssize_t B, Py_ssize_t I, Py_ssize_t H, const float* x,
                            const float* w_ih, const float* b_ih, const float* w_hh, const float* b_hh,
                            const float* h0, const float* c0, float* a, float* aux, float* y, Py_ssize_t DH,
                            Py_ssize_t col, float* h_n, float* c_n, bint reverse, const int* nb) noexcept nogil
ctypedef int (*seq_fwd_f64)(Py_ssize_t T, Py_ssize_t B, Py_ssize_t I, Py_ssize_t H, const double* x,
                            const double* w_ih, const double* b_ih, const double* w_hh, const double* b_hh,
                            const double* h0, const double* c0, double* a, double* aux, double* y, Py_ssize_t DH,
                            Py_ssize_t col, double* h_n, double* c_n, bint reverse, const int* nb) noexcept nogil

ctypedef struct seq_fwd_kernels:
    seq_fwd_f32 f32
    seq_fwd_f64 f64

cdef extern from *:
    """
    #define RC_SEQ_FWD_CAPSULE "rnncore.cells.seq_fwd_kernels"
    """
    const char* SEQ_FWD_CAPSULE "RC_SEQ_FWD_CAPSULE"
