# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Pointer-level building blocks of the kernels: small matrix products the compiler vectorises.

Every loop's innermost index runs over contiguous memory with no reduction (``y[k] += a * x[k]``), so gcc/clang
vectorise it without -ffast-math (a dot product would need reassociation). Rows of the weight matrices are
taken four at a time so each pass over ``out`` does four multiply-adds per load/store.
"""
from rnncore._types cimport real


cdef inline void axpy(Py_ssize_t n, real a, const real* x, real* y) noexcept nogil:
    """y[k] += a * x[k], k < n."""
    cdef Py_ssize_t k
    for k in range(n):
        y[k] += a * x[k]


cdef inline void gemv_acc(Py_ssize_t n_in, Py_ssize_t n_out, const real* v, const real* w, real* out) noexcept nogil:
    """out[k] += sum_j v[j] * w[j, k] for a row-major w of shape (n_in, n_out): out += v @ w."""
    cdef Py_ssize_t j = 0, k
    cdef real a0, a1, a2, a3
    cdef const real* w0
    cdef const real* w1
    cdef const real* w2
    cdef const real* w3
    while j + 4 <= n_in:
        a0 = v[j]
        a1 = v[j + 1]
        a2 = v[j + 2]
        a3 = v[j + 3]
        w0 = w + j * n_out
        w1 = w0 + n_out
        w2 = w1 + n_out
        w3 = w2 + n_out
        for k in range(n_out):
            out[k] += a0 * w0[k] + a1 * w1[k] + a2 * w2[k] + a3 * w3[k]
        j += 4
    while j < n_in:
        axpy(n_out, v[j], w + j * n_out, out)
        j += 1


cdef inline void ger_acc(Py_ssize_t m, Py_ssize_t n, const real* u, const real* v, real* w) noexcept nogil:
    """w[i, j] += u[i] * v[j] for a row-major w of shape (m, n): the outer-product update of a weight gradient."""
    cdef Py_ssize_t i
    for i in range(m):
        axpy(n, u[i], v, w + i * n)


cdef inline double sumsq(Py_ssize_t n, const real* x) noexcept nogil:
    """sum_k x[k]^2, accumulated in double."""
    cdef Py_ssize_t k
    cdef double s = 0.0
    for k in range(n):
        s += <double>x[k] * x[k]
    return s
