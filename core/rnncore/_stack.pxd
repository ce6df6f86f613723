# cython: language_level=3
# rnncore._stack: a stack's forward pass in one compiled call, and the compiled checks of every call.
from rnncore._types cimport real


cdef class _Views:
    cdef Py_buffer* views
    cdef Py_ssize_t n, cap
    cdef Py_buffer* slot(self) except NULL
    cdef char* hold(self, object a) except NULL


cdef class _Maker:
    cdef _Views vs
    cdef object np_zeros, dtype, fmt
    cdef Py_ssize_t itemsize
    cdef object zeros(self, tuple shape, char** data)


cdef char* _data(_Views vs, object a, tuple shape, char code, bint writable, Py_ssize_t max_dim, object ndarray,
                 Py_ssize_t* dims) except? NULL
cdef void _move(const char* src, char* dst, Py_ssize_t T, Py_ssize_t B, Py_ssize_t row, const int* order,
                bint batch_first, bint inverse) noexcept nogil
cdef void _dropout(Py_ssize_t n, const real* x, real* mask, real* out, double p,
                   unsigned long long seed) noexcept nogil
cdef object _kernel_rows(_Maker make, object s, Py_ssize_t DL, Py_ssize_t B, Py_ssize_t H, Py_ssize_t isz,
                         const int* order, char** data)
cdef object _caller_rows(_Maker make, _Views vs, object s, Py_ssize_t DL, Py_ssize_t B, Py_ssize_t H,
                         Py_ssize_t isz, const int* order)
