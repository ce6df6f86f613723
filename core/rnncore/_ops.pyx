# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Array kernels besides the cells, usable without numpy (any buffer in, typed memoryviews).

``rnncore.api`` uses the checks (``count_nonfinite``, ``first_invalid``), copies (``copy_cols``) and the CPU probe; ``linear_fwd``,
``linear_bwd_x``, ``outer_acc``, ``sum_tb`` and ``transpose2d`` are a dense layer's forward and gradients on
time-major blocks (the training readout y_t W^T + b, with or without numpy); ``sigmoid_inplace``/``tanh_inplace``
expose the vectorised activations (tests, lessons); ``rows_in``/``rows_out`` move batch rows between the caller's
layout (batch-first or not, any row order) and the kernels' (time-major, rows sorted by length);
``dropout_mask``/``mul_inplace`` are dropout between stacked layers. Take the module as ``rnncore.api._ops``: that
is the build chosen for this CPU.
Shapes: time-major (T, B, .) blocks; ``w_t`` means a weight matrix stored transposed (in, out).
"""
from cpython.buffer cimport PyObject_GetBuffer, PyBuffer_Release, PyBUF_C_CONTIGUOUS, PyBUF_FORMAT, PyBUF_WRITABLE
from rnncore._types cimport real
from rnncore._ops cimport axpy, gemv_acc, gemm_acc, gemm_tn_acc
from rnncore._activations cimport sigmoid, tanh_


def linear_fwd(const real[:, :, ::1] x,       # IN (T, B, I)
               const real[:, ::1] w_t,        # IN (I, K): the weight transposed
               const real[::1] bias,          # IN (K,)
               real[:, :, ::1] out):          # OUT (T, B, K): out[t, b] = x[t, b] @ w_t + bias
    cdef Py_ssize_t T = x.shape[0], B = x.shape[1], I = x.shape[2], K = w_t.shape[1], r, k
    cdef real* o = &out[0, 0, 0]
    with nogil:
        for r in range(T * B):
            for k in range(K):
                o[r * K + k] = bias[k]
        gemm_acc(T * B, I, K, &x[0, 0, 0], I, &w_t[0, 0], K, o, K)


def linear_bwd_x(const real[:, :, ::1] dg,    # IN (T, B, K): gradient of the layer's output
                 const real[:, ::1] w,        # IN (K, I): the weight
                 real[:, :, ::1] dx,          # INOUT (T, B, I): dx[t, b] (+)= dg[t, b] @ w
                 bint accumulate):            # IN add to dx instead of overwriting it
    cdef Py_ssize_t T = dg.shape[0], B = dg.shape[1], K = dg.shape[2], I = w.shape[1], r
    cdef real* o = &dx[0, 0, 0]
    with nogil:
        if not accumulate:
            for r in range(T * B * I):
                o[r] = 0
        gemm_acc(T * B, K, I, &dg[0, 0, 0], K, &w[0, 0], I, o, I)


def outer_acc(const real[:, :, ::1] dg,       # IN (T, B, K)
              const real[:, :, ::1] x,        # IN (T, B, N)
              real[:, ::1] dw):               # INOUT (K, N): dw += sum_{t, b} outer(dg[t, b], x[t, b])
    cdef Py_ssize_t T = dg.shape[0], B = dg.shape[1], K = dg.shape[2], N = x.shape[2]
    with nogil:
        gemm_tn_acc(T * B, K, N, &dg[0, 0, 0], K, &x[0, 0, 0], N, &dw[0, 0])


def sum_tb(const real[:, :, ::1] dg,          # IN (T, B, K)
           real[::1] out):                    # INOUT (K,): out += sum_{t, b} dg[t, b]
    cdef Py_ssize_t T = dg.shape[0], B = dg.shape[1], K = dg.shape[2], t, b, k
    with nogil:
        for t in range(T):
            for b in range(B):
                for k in range(K):
                    out[k] += dg[t, b, k]


def transpose2d(const real[:, ::1] src,       # IN (R, C)
                real[:, ::1] dst):            # OUT (C, R)
    cdef Py_ssize_t R = src.shape[0], C = src.shape[1], r, c
    with nogil:
        for r in range(R):
            for c in range(C):
                dst[c, r] = src[r, c]


def copy_cols(const real[:, :, ::1] src,      # IN (T, B, Ks)
              Py_ssize_t src_col,             # IN first column read
              real[:, :, ::1] dst,            # OUT (T, B, Kd)
              Py_ssize_t dst_col,             # IN first column written
              Py_ssize_t n):                  # IN number of columns
    cdef Py_ssize_t T = src.shape[0], B = src.shape[1], t, b, k
    with nogil:
        for t in range(T):
            for b in range(B):
                for k in range(n):
                    dst[t, b, dst_col + k] = src[t, b, src_col + k]


def rows_in(const real[:, :, ::1] src,       # IN (T, B, K), or (B, T, K) when batch_first
            real[:, :, ::1] dst,             # OUT (T, B, K): dst[t, j] = src[t, order[j]] (src[order[j], t])
            const int[::1] order,            # IN (B,) source row of each destination row, or None: the same row
            bint batch_first):
    cdef Py_ssize_t T = dst.shape[0], B = dst.shape[1], K = dst.shape[2], t, j, r, k
    cdef const int* o = NULL if order is None else &order[0]
    with nogil:
        for t in range(T):
            for j in range(B):
                r = j if o == NULL else o[j]
                if batch_first:
                    for k in range(K):
                        dst[t, j, k] = src[r, t, k]
                else:
                    for k in range(K):
                        dst[t, j, k] = src[t, r, k]


def rows_out(const real[:, :, ::1] src,      # IN (T, B, K): the kernels' layout
             real[:, :, ::1] dst,            # OUT (T, B, K) or (B, T, K): the inverse of rows_in
             const int[::1] order,           # IN (B,) as in rows_in, or None
             bint batch_first):
    cdef Py_ssize_t T = src.shape[0], B = src.shape[1], K = src.shape[2], t, j, r, k
    cdef const int* o = NULL if order is None else &order[0]
    with nogil:
        for t in range(T):
            for j in range(B):
                r = j if o == NULL else o[j]
                if batch_first:
                    for k in range(K):
                        dst[r, t, k] = src[t, j, k]
                else:
                    for k in range(K):
                        dst[t, r, k] = src[t, j, k]


cdef inline unsigned long long _splitmix64(unsigned long long z) noexcept nogil:
    """Steele, Lea and Flood's SplitMix64 finaliser: a counter-based generator (the k-th draw needs no state)."""
    z = z + 0x9E3779B97F4A7C15ULL
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL
    return z ^ (z >> 31)


def dropout_mask(real[::1] mask,             # OUT (N,): 0 with probability p, else 1 / (1 - p)
                 double p,                   # IN drop probability, 0 <= p < 1
                 unsigned long long seed):   # IN the draw's seed (the model's generator gives one per call)
    """Inverted dropout's mask, as torch.nn.functional.dropout scales it; the same values on every platform and
    with or without numpy (53 random bits per entry, compared with p)."""
    cdef Py_ssize_t N = mask.shape[0], k
    cdef real keep = <real>(1.0 / (1.0 - p))
    cdef unsigned long long base = _splitmix64(seed)
    cdef double u
    with nogil:
        for k in range(N):
            u = (_splitmix64(base + <unsigned long long>k) >> 11) * (1.0 / 9007199254740992.0)
            mask[k] = 0 if u < p else keep


def mul_inplace(real[::1] x,                 # INOUT (N,): x *= m
                const real[::1] m):          # IN (N,)
    cdef Py_ssize_t N = x.shape[0], k
    with nogil:
        for k in range(N):
            x[k] *= m[k]


def count_nonfinite(const real[::1] x):       # IN (N,): how many entries are NaN or +-inf
    cdef Py_ssize_t N = x.shape[0], k, bad = 0
    cdef real v
    with nogil:
        for k in range(N):
            v = x[k] - x[k]                   # 0 for a finite number, NaN for NaN and +-inf
            bad += v != v
    return bad


cdef inline Py_ssize_t _nonfinite(Py_ssize_t n, const real* x) noexcept nogil:
    cdef Py_ssize_t k, bad = 0
    cdef real v
    for k in range(n):
        v = x[k] - x[k]
        bad += v != v
    return bad


cdef bint _valid(object a, tuple shape, char code, bint writable, Py_ssize_t max_dim, object ndarray) except -1:
    """One array of first_invalid: its kind, buffer, format, shape, then its values."""
    cdef Py_buffer view
    cdef const char* f
    cdef Py_ssize_t i, n, want
    cdef bint ok
    cdef int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (PyBUF_WRITABLE if writable else 0)
    if not (isinstance(a, memoryview) or (ndarray is not None and isinstance(a, ndarray))):
        return False
    try:
        PyObject_GetBuffer(a, &view, flags)
    except (BufferError, TypeError, ValueError):  # not C-contiguous, or read-only when writable was asked
        return False
    try:
        f = view.format
        if f[0] == b'<' or f[0] == b'=' or f[0] == b'@':
            f += 1
        ok = f[0] == code and f[1] == 0 and view.ndim == len(shape)
        for i in range(view.ndim if ok else 0):
            want = shape[i]
            n = view.shape[i]
            ok = ok and (n == want if want >= 0 else 1 <= n <= max_dim)
        if ok:
            n = view.len // view.itemsize
            with nogil:
                if code == b'f':
                    ok = _nonfinite(n, <const float*>view.buf) == 0
                else:
                    ok = _nonfinite(n, <const double*>view.buf) == 0
        return ok
    finally:
        PyBuffer_Release(&view)


def first_invalid(list arrays,                # IN the arrays to check
                  tuple shapes,               # IN each one's shape; an entry -1: any size in [1, max_dim]
                  str dtype,                  # IN 'float32' or 'float64'
                  bint writable,              # IN they must also be writable
                  Py_ssize_t max_dim,
                  ndarray=None):              # IN numpy.ndarray, or None without numpy
    """The index of the first of ``arrays`` that is not an ndarray or memoryview of that dtype and shape,
    C-contiguous (and writable), with every value finite; -1 when all are.

    rnncore.api's fast check, run on every call: one compiled pass over every parameter and input, so that a NaN
    written into a weight in place is caught on the next call as surely as a replaced array; at the smallest sizes
    the Python-level checks it replaces cost more than the model. It says only which array fails: the caller checks
    that one again in Python to say how (argument, expected and actual value)."""
    cdef Py_ssize_t i
    cdef char code = b'f' if dtype == "float32" else b'd'
    for i in range(len(arrays)):
        if not _valid(arrays[i], <tuple>shapes[i], code, writable, max_dim, ndarray):
            return i
    return -1


def sigmoid_inplace(real[::1] x):             # INOUT (N,): the core's vectorised sigmoid (for tests, lessons)
    cdef Py_ssize_t N = x.shape[0], k
    with nogil:
        for k in range(N):
            x[k] = sigmoid(x[k])


def tanh_inplace(real[::1] x):                # INOUT (N,): the core's vectorised tanh
    cdef Py_ssize_t N = x.shape[0], k
    with nogil:
        for k in range(N):
            x[k] = tanh_(x[k])


cdef extern from *:
    """
    #if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
    static int rnncore_cpu_avx2_fma(void) {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    static int rnncore_cpu_avx512(void) {
        __builtin_cpu_init();
        return rnncore_cpu_avx2_fma() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")
            && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
    }
    #else
    static int rnncore_cpu_avx2_fma(void) { return 0; }
    static int rnncore_cpu_avx512(void) { return 0; }
    #endif
    """
    int rnncore_cpu_avx2_fma() nogil
    int rnncore_cpu_avx512() nogil


def cpu_has_avx2_fma():
    """True on an x86-64 CPU (and OS) with AVX2 and FMA: rnncore.api then loads the *_avx2 kernel modules."""
    return bool(rnncore_cpu_avx2_fma())


def cpu_has_avx512():
    """True on an x86-64 CPU (and OS) with AVX-512 F/VL/BW/DQ besides AVX2 + FMA: the *_avx512 modules run there."""
    return bool(rnncore_cpu_avx512())
