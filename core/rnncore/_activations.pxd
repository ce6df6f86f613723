# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Scalar activations for the gate loops: branch-free, no libm, so the compiler vectorises them.

Why: a scalar libm ``tanhf``/``expf`` costs 10-15 ns per element, a vectorised polynomial ~0.4 ns (SSE/AVX
natively, SIMD128 in WebAssembly). Everything here is plain arithmetic, a compare-and-select, and integer
bit operations on the float's representation.

exp(x): clamp x, split x = n ln2 + r with |r| <= ln2/2 (n rounded by the 1.5*2^52 / 1.5*2^23 "magic number"
  trick, ln2 in two parts, Cody-Waite), exp(r) by its Taylor polynomial (degree 13 in double, 7 in float:
  truncation < 5e-18 resp. < 6e-9 relative), then 2^n added straight into the exponent bits.
sigmoid(x) = 1 / (1 + exp(-x)).
tanh(x) = sign(x) * e / (e + 2) with e = expm1(2|x|) (clamped at 2|x| = 40 / 80, where tanh is 1 to the last bit);
  expm1(y) = 2^n expm1(r) + (2^n - 1) with expm1(r) = r (1 + r/2 + ...): relative accuracy holds down to tiny x,
  where 1 - 2/(exp(2x) + 1) would cancel.

Measured error bound (tests/core/test_activations.py checks it on a dense grid over [-30, 30] and at edge points):
  float32: max relative error <= 2.5e-7 for sigmoid and tanh (about 2 ulp), max absolute error <= 1.2e-7;
  float64: max relative error <= 2e-15 (about 9 ulp), max absolute error <= 5e-16.
Derivatives take the activation's output: dsigmoid(s) = s (1 - s), dtanh(t) = 1 - t^2.

Whole rows (``sigmoid_n``, ``tanh_n``, ``mul_tanh_n``) are what the gate loops call. In float32 under WebAssembly
SIMD they run 4 lanes at a time in C (``rc_*_f4``): the same operations in the same order as the scalar forms, so
the results are bit-identical, but the clamps are ``f32x4.pmin``/``pmax``, one ``minps``/``maxps`` each in the
browser's x86-64 code. The loop vectoriser turns the scalar clamps into ``f32x4.min``/``max``, whose NaN and
signed-zero rules V8 emulates with 7-8 instructions each: a third of a sigmoid's instructions (measured: the gate
loops of an LSTM step at B = 16, H = 16 take 1.5x less time). Elsewhere (native builds, float64) the scalar forms,
which gcc and clang vectorise on their own, run the whole row.
"""
from libc.stdint cimport uint32_t, uint64_t
from rnncore._types cimport real


cdef extern from *:
    """
    #ifndef RC_ACTIVATIONS_F4
    #define RC_ACTIVATIONS_F4
    #if defined(__wasm_simd128__)
    #include <wasm_simd128.h>
    /* _exp_f, _expm1_f, sigmoid and _tanh_f of _activations.pxd on 4 lanes: the same constants (rounded from double
       as Cython rounds them), the same operations in the same order; pmin(x, hi) = (hi < x ? hi : x) and
       pmax(x, lo) = (x < lo ? lo : x) are the scalar clamps exactly. */
    #define RC_F4(v) wasm_f32x4_splat((float)(v))
    #define RC_MA(q, r, c) wasm_f32x4_add(wasm_f32x4_mul(q, r), RC_F4(c))
    /* y = n ln2 + r, |r| <= ln2/2, for y = s x with s = +1 or -1 (a constant): returns s r = x - s n ln2 (so y is
       never formed: f32x4.neg costs V8 three instructions); *kf holds n in its low mantissa bits (y / ln2 +
       1.5*2^23), ready to be shifted into an exponent field. With s = -1 each value is the negation of the s = +1
       one for -x, exactly (rounding is symmetric), so the results are those of the scalar forms on -x. */
    static inline v128_t rc_reduce_f4(v128_t x, float s, v128_t* kf) {
        v128_t n, r;
        *kf = wasm_f32x4_add(wasm_f32x4_mul(x, RC_F4(s * 1.44269504088896341)), RC_F4(12582912.0));
        n = wasm_f32x4_sub(*kf, RC_F4(12582912.0));
        r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, RC_F4(s * 0.693359375)));
        return wasm_f32x4_sub(r, wasm_f32x4_mul(n, RC_F4(s * -2.12194440e-4)));
    }
    /* one Horner step q r + c from sr = s r: for s = -1 it is c - q sr, which is q r + c exactly */
    #define RC_HORNER(q, sr, c, s) ((s) > 0 ? RC_MA(q, sr, c) : wasm_f32x4_sub(RC_F4(c), wasm_f32x4_mul(q, sr)))
    /* exp(s x), s = +1 or -1: _exp_f(s x); the clamp of s x to [-86, 88] is one of x to [-88, 86] for s = -1 */
    static inline v128_t rc_exp_f4(v128_t x, float s) {
        v128_t kf, r, q;
        x = s > 0 ? wasm_f32x4_pmax(wasm_f32x4_pmin(x, RC_F4(88.0)), RC_F4(-86.0))
                  : wasm_f32x4_pmin(wasm_f32x4_pmax(x, RC_F4(-88.0)), RC_F4(86.0));
        r = rc_reduce_f4(x, s, &kf);
        q = RC_HORNER(RC_F4(1.0 / 5040.0), r, 1.0 / 720.0, s);
        q = RC_HORNER(q, r, 1.0 / 120.0, s);
        q = RC_HORNER(q, r, 1.0 / 24.0, s);
        q = RC_HORNER(q, r, 1.0 / 6.0, s);
        q = RC_HORNER(q, r, 0.5, s);
        q = RC_HORNER(q, r, 1.0, s);
        q = RC_HORNER(q, r, 1.0, s);
        return wasm_i32x4_add(q, wasm_i32x4_shl(kf, 23));
    }
    static inline v128_t rc_expm1_f4(v128_t x) {
        v128_t kf, r, q, p;
        r = rc_reduce_f4(wasm_f32x4_pmin(x, RC_F4(40.0)), 1.0f, &kf);
        q = RC_MA(RC_F4(1.0 / 362880.0), r, 1.0 / 40320.0);
        q = RC_MA(q, r, 1.0 / 5040.0);
        q = RC_MA(q, r, 1.0 / 720.0);
        q = RC_MA(q, r, 1.0 / 120.0);
        q = RC_MA(q, r, 1.0 / 24.0);
        q = RC_MA(q, r, 1.0 / 6.0);
        q = RC_MA(q, r, 0.5);
        q = RC_MA(q, r, 1.0);
        q = wasm_f32x4_mul(q, r);
        p = wasm_i32x4_add(RC_F4(1.0), wasm_i32x4_shl(kf, 23));
        return wasm_f32x4_add(wasm_f32x4_mul(q, p), wasm_f32x4_sub(p, RC_F4(1.0)));
    }
    static inline v128_t rc_sigmoid_f4(v128_t x) {
        return wasm_f32x4_div(RC_F4(1.0), wasm_f32x4_add(RC_F4(1.0), rc_exp_f4(x, -1.0f)));
    }
    /* tanh|x| with the sign of x put back (the scalar form negates for x < 0: the same value, but -0 for -0) */
    static inline v128_t rc_tanh_f4(v128_t x) {
        v128_t sign = wasm_v128_and(x, wasm_i32x4_splat((int)0x80000000u));
        v128_t ax = wasm_v128_xor(x, sign);
        v128_t e = rc_expm1_f4(wasm_f32x4_mul(RC_F4(2.0), ax));
        return wasm_v128_or(wasm_f32x4_div(e, wasm_f32x4_add(e, RC_F4(2.0))), sign);
    }
    /* Each takes the first n - n % 4 entries and returns how many it took; the caller does the rest. */
    static inline Py_ssize_t rc_sigmoid_f(Py_ssize_t n, const float* x, float* out) {
        Py_ssize_t k = 0;
        for (; k + 4 <= n; k += 4) wasm_v128_store(out + k, rc_sigmoid_f4(wasm_v128_load(x + k)));
        return k;
    }
    static inline Py_ssize_t rc_tanh_f(Py_ssize_t n, const float* x, float* out) {
        Py_ssize_t k = 0;
        for (; k + 4 <= n; k += 4) wasm_v128_store(out + k, rc_tanh_f4(wasm_v128_load(x + k)));
        return k;
    }
    static inline Py_ssize_t rc_mul_tanh_f(Py_ssize_t n, const float* o, const float* c, float* h) {
        Py_ssize_t k = 0;
        for (; k + 4 <= n; k += 4)
            wasm_v128_store(h + k, wasm_f32x4_mul(wasm_v128_load(o + k), rc_tanh_f4(wasm_v128_load(c + k))));
        return k;
    }
    #else
    static inline Py_ssize_t rc_sigmoid_f(Py_ssize_t n, const float* x, float* out) { (void)n; (void)x; (void)out; return 0; }
    static inline Py_ssize_t rc_tanh_f(Py_ssize_t n, const float* x, float* out) { (void)n; (void)x; (void)out; return 0; }
    static inline Py_ssize_t rc_mul_tanh_f(Py_ssize_t n, const float* o, const float* c, float* h) {
        (void)n; (void)o; (void)c; (void)h; return 0;
    }
    #endif
    #endif
    """
    Py_ssize_t rc_sigmoid_f(Py_ssize_t n, const float* x, float* out) noexcept nogil
    Py_ssize_t rc_tanh_f(Py_ssize_t n, const float* x, float* out) noexcept nogil
    Py_ssize_t rc_mul_tanh_f(Py_ssize_t n, const float* o, const float* c, float* h) noexcept nogil


cdef union _bits64:
    double d
    uint64_t u


cdef union _bits32:
    float f
    uint32_t u


cdef inline double _exp_d(double x) noexcept nogil:
    cdef _bits64 k, p
    cdef double kd, n, r, q
    x = 700.0 if x > 700.0 else x                            # clamp: 2^n stays a normal number
    x = -700.0 if x < -700.0 else x
    kd = x * 1.4426950408889634 + 6755399441055744.0          # x / ln2 + 1.5*2^52: n = round(x / ln2) in the low bits
    k.d = kd
    n = kd - 6755399441055744.0                               # n as a double (exact)
    r = x - n * 6.93147180369123816490e-01                    # r = x - n ln2, ln2 in two parts (hi part exact * n)
    r = r - n * 1.90821492927058770002e-10
    q = 1.0 / 6227020800.0                                    # exp(r) = sum_k r^k / k!, k <= 13, Horner
    q = q * r + 1.0 / 479001600.0
    q = q * r + 1.0 / 39916800.0
    q = q * r + 1.0 / 3628800.0
    q = q * r + 1.0 / 362880.0
    q = q * r + 1.0 / 40320.0
    q = q * r + 1.0 / 5040.0
    q = q * r + 1.0 / 720.0
    q = q * r + 1.0 / 120.0
    q = q * r + 1.0 / 24.0
    q = q * r + 1.0 / 6.0
    q = q * r + 0.5
    q = q * r + 1.0
    q = q * r + 1.0
    p.d = q
    p.u = p.u + (k.u << 52)                                   # times 2^n: add n to the exponent field
    return p.d


cdef inline float _exp_f(float x) noexcept nogil:
    cdef _bits32 k, p
    cdef float kf, n, r, q
    cdef float hi = 88.0, lo = -86.0, l2e = 1.44269504088896341, magic = 12582912.0
    cdef float ln2_hi = 0.693359375, ln2_lo = -2.12194440e-4
    cdef float c7 = 1.0 / 5040.0, c6 = 1.0 / 720.0, c5 = 1.0 / 120.0, c4 = 1.0 / 24.0, c3 = 1.0 / 6.0
    cdef float c2 = 0.5, one = 1.0
    x = hi if x > hi else x
    x = lo if x < lo else x
    kf = x * l2e + magic                                      # 1.5*2^23: n = round(x / ln2) in the low bits
    k.f = kf
    n = kf - magic
    r = x - n * ln2_hi
    r = r - n * ln2_lo
    q = c7
    q = q * r + c6
    q = q * r + c5
    q = q * r + c4
    q = q * r + c3
    q = q * r + c2
    q = q * r + one
    q = q * r + one
    p.f = q
    p.u = p.u + (k.u << 23)
    return p.f


cdef inline double _expm1_d(double x) noexcept nogil:
    """exp(x) - 1 for x in [0, 80], accurate relative to the result also near 0 (no cancellation)."""
    cdef _bits64 k, p
    cdef double kd, n, r, q
    x = 80.0 if x > 80.0 else x
    kd = x * 1.4426950408889634 + 6755399441055744.0          # n = round(x / ln2), as in _exp_d
    k.d = kd
    n = kd - 6755399441055744.0
    r = x - n * 6.93147180369123816490e-01
    r = r - n * 1.90821492927058770002e-10
    q = 1.0 / 6227020800.0                                    # expm1(r) = r (1 + r/2! + ... + r^12/13!)
    q = q * r + 1.0 / 479001600.0
    q = q * r + 1.0 / 39916800.0
    q = q * r + 1.0 / 3628800.0
    q = q * r + 1.0 / 362880.0
    q = q * r + 1.0 / 40320.0
    q = q * r + 1.0 / 5040.0
    q = q * r + 1.0 / 720.0
    q = q * r + 1.0 / 120.0
    q = q * r + 1.0 / 24.0
    q = q * r + 1.0 / 6.0
    q = q * r + 0.5
    q = q * r + 1.0
    q = q * r
    p.d = 1.0
    p.u = p.u + (k.u << 52)                                   # 2^n
    return q * p.d + (p.d - 1.0)                              # expm1(x) = 2^n expm1(r) + (2^n - 1), 2^n - 1 exact


cdef inline float _expm1_f(float x) noexcept nogil:
    """exp(x) - 1 for x in [0, 40], accurate relative to the result also near 0."""
    cdef _bits32 k, p
    cdef float kf, n, r, q
    cdef float hi = 40.0, l2e = 1.44269504088896341, magic = 12582912.0
    cdef float ln2_hi = 0.693359375, ln2_lo = -2.12194440e-4
    cdef float c9 = 1.0 / 362880.0, c8 = 1.0 / 40320.0, c7 = 1.0 / 5040.0, c6 = 1.0 / 720.0
    cdef float c5 = 1.0 / 120.0, c4 = 1.0 / 24.0, c3 = 1.0 / 6.0, c2 = 0.5, one = 1.0
    x = hi if x > hi else x
    kf = x * l2e + magic
    k.f = kf
    n = kf - magic
    r = x - n * ln2_hi
    r = r - n * ln2_lo
    q = c9
    q = q * r + c8
    q = q * r + c7
    q = q * r + c6
    q = q * r + c5
    q = q * r + c4
    q = q * r + c3
    q = q * r + c2
    q = q * r + one
    q = q * r
    p.f = one
    p.u = p.u + (k.u << 23)
    return q * p.f + (p.f - one)


cdef inline double _tanh_d(double x) noexcept nogil:
    cdef double ax = x if x >= 0.0 else -x
    cdef double e = _expm1_d(2.0 * ax)
    cdef double t = e / (e + 2.0)                             # tanh|x| = expm1(2|x|) / (expm1(2|x|) + 2)
    return t if x >= 0.0 else -t


cdef inline float _tanh_f(float x) noexcept nogil:
    cdef float zero = 0.0, two = 2.0
    cdef float ax = x if x >= zero else -x
    cdef float e = _expm1_f(two * ax)
    cdef float t = e / (e + two)
    return t if x >= zero else -t


cdef inline real exp_(real x) noexcept nogil:
    """exp(x), vectorisable (see the module docstring for the error bound)."""
    if real is float:
        return _exp_f(x)
    else:
        return _exp_d(x)


cdef inline real sigmoid(real x) noexcept nogil:
    """1 / (1 + exp(-x))."""
    cdef real one = 1.0
    if real is float:
        return one / (one + _exp_f(-x))
    else:
        return one / (one + _exp_d(-x))


cdef inline real tanh_(real x) noexcept nogil:
    """tanh(x), vectorisable."""
    if real is float:
        return _tanh_f(x)
    else:
        return _tanh_d(x)


cdef inline real dsigmoid(real s) noexcept nogil:
    """Derivative of the sigmoid from its output s."""
    return s * (1 - s)


cdef inline real dtanh(real t) noexcept nogil:
    """Derivative of tanh from its output t."""
    return 1 - t * t


# In place where the gate loops work in place: ``x[k] = f(x[k])`` has no aliasing for gcc to check at run time (an
# out-of-place form called with out == x made gcc's runtime overlap check fail and run the scalar loop natively).
cdef inline void sigmoid_n(Py_ssize_t n, real* x) noexcept nogil:
    """x[k] = sigmoid(x[k]), k < n."""
    cdef Py_ssize_t k, k0 = 0
    if real is float:
        k0 = rc_sigmoid_f(n, x, x)
    for k in range(k0, n):
        x[k] = sigmoid(x[k])


cdef inline void tanh_n(Py_ssize_t n, real* x) noexcept nogil:
    """x[k] = tanh(x[k]), k < n."""
    cdef Py_ssize_t k, k0 = 0
    if real is float:
        k0 = rc_tanh_f(n, x, x)
    for k in range(k0, n):
        x[k] = tanh_(x[k])


cdef inline void tanh_to_n(Py_ssize_t n, const real* x, real* out) noexcept nogil:
    """out[k] = tanh(x[k]), k < n (out apart from x)."""
    cdef Py_ssize_t k, k0 = 0
    if real is float:
        k0 = rc_tanh_f(n, x, out)
    for k in range(k0, n):
        out[k] = tanh_(x[k])


cdef inline void mul_tanh_n(Py_ssize_t n, const real* o, const real* c, real* h) noexcept nogil:
    """h[k] = o[k] * tanh(c[k]), k < n."""
    cdef Py_ssize_t k, k0 = 0
    if real is float:
        k0 = rc_mul_tanh_f(n, o, c, h)
    for k in range(k0, n):
        h[k] = o[k] * tanh_(c[k])
