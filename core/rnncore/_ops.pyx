# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Array kernels besides the cells, usable without numpy (any buffer in, typed memoryviews).

``rnncore.api`` uses ``count_nonfinite`` (how many NaN/inf an argument holds, for its error message), the copies
(``copy_cols``), ``mul_inplace`` (dropout's mask on a gradient) and the CPU probe; ``linear_fwd``, ``linear_bwd_x``,
``outer_acc``, ``sum_tb`` and ``transpose2d`` are a dense layer's forward and gradients on time-major blocks (the
training readout y_t W^T + b, with or without numpy); ``sigmoid_inplace``/``tanh_inplace`` expose the vectorised
activations (tests, lessons). The checks every call runs, the row reordering and the dropout masks are
rnncore._stack's (its forward does them in the same compiled call). Take the module as ``rnncore.api._ops``: that
is the build chosen for this CPU.
Shapes: time-major (T, B, .) blocks; ``w_t`` means a weight matrix stored transposed (in, out).
"""
from rnncore._types cimport real
from rnncore._ops cimport axpy, gemv_acc, gemm_acc, gemm_tn_acc
from rnncore._activations cimport sigmoid_n, tanh_n


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


def sigmoid_inplace(real[::1] x):             # INOUT (N,): the core's vectorised sigmoid (for tests, lessons)
    if x.shape[0] > 0:
        with nogil:
            sigmoid_n(x.shape[0], &x[0])   # the gate loops' form (4 lanes in WebAssembly's float32)


def tanh_inplace(real[::1] x):                # INOUT (N,): the core's vectorised tanh
    if x.shape[0] > 0:
        with nogil:
            tanh_n(x.shape[0], &x[0])


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
