# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Pointer-level building blocks of the kernels: small matrix products the compiler vectorises.

Every loop's innermost index runs over contiguous memory with no reduction (``y[k] += a * x[k]``), so gcc/clang
vectorise it without -ffast-math (a dot product would need reassociation). Rows of the weight matrices are
taken four at a time so each pass over ``out`` does four multiply-adds per load/store.
"""
from libc.stdlib cimport malloc, calloc, free
from rnncore._types cimport real

cdef extern from *:
    """
    /* Columns of a register tile: 16 (two AVX2 vectors of float), 32 in the AVX-512 build (-DRC_TILE=32), 8 in
       WebAssembly: its 128-bit vectors run on the 16 XMM registers of the browser's x86-64 code, which a tile of
       4 rows x 16 floats (16 accumulators besides the loads) overflows, so V8 spills them to the stack. */
    #ifndef RC_TILE
    #if defined(__wasm__)
    #define RC_TILE 8
    #else
    #define RC_TILE 16
    #endif
    #endif
    /* Rows of a register tile: 8 where 32 vector registers hold 16 accumulators (AVX-512 build), else 4. */
    #ifndef RC_ROWS8
    #define RC_ROWS8 0
    #endif
    /* Batches of at least this many rows compute a step's whole pre-activation in one product (see lstm_seq_fwd).
       Not in WebAssembly: there the copy of every row's [x_t | h_{t-1}] that the fused product needs costs more
       than it saves (measured in Node.js, B = 16 and 32 rows at H = 16: a call 5-30 % faster without it), and the
       input projection of all steps is one product anyway. */
    #ifndef RC_FUSED_MIN_BATCH
    #if defined(__wasm__)
    #define RC_FUSED_MIN_BATCH PY_SSIZE_T_MAX
    #else
    #define RC_FUSED_MIN_BATCH 8
    #endif
    #endif
    #ifndef RC_VECTOR_TILES            /* once per C file: _ops_avx2.pyx cimports this .pxd under two names */
    #define RC_VECTOR_TILES
    #include <string.h>
    /* float32 register tiles in C with GCC/clang vector types (SIMD128 in WebAssembly, split or scalarised where the
       target's vectors are narrower): written in Cython, gcc kept the accumulators of a tile in a stack array, zeroed
       it with rep stos and added it to ``out`` one float at a time, which at the small products of teaching sizes
       (n_in = 32) cost as much as the multiply-adds. Here the accumulators are named variables, so they stay in
       registers. A vector is half a tile row (RC_V floats). */
    #define RC_V (RC_TILE / 2)
    typedef float rc_vf __attribute__((vector_size(RC_V * sizeof(float))));

    /* One register tile row r: two vectors of accumulators, their multiply-adds, their store (bias + acc, or out += acc) */
    #define RC_DECL(r) rc_vf lo##r = {0}, hi##r = {0}; const float* v##r = v + r * ldv;
    #define RC_FMA(r) { float s = *v##r; v##r += ldj; lo##r += s * w0; hi##r += s * w1; }
    #define RC_BIAS(r) { o0 = w0 + lo##r; o1 = w1 + hi##r; memcpy(out + r * ldo, &o0, sizeof o0); \
                         memcpy(out + r * ldo + RC_V, &o1, sizeof o1); }
    #define RC_ACC(r) { memcpy(&o0, out + r * ldo, sizeof o0); memcpy(&o1, out + r * ldo + RC_V, sizeof o1); \
                        o0 += lo##r; o1 += hi##r; memcpy(out + r * ldo, &o0, sizeof o0); \
                        memcpy(out + r * ldo + RC_V, &o1, sizeof o1); }
    #define RC_EACH4(M) M(0) M(1) M(2) M(3)
    #define RC_EACH8(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7)
    #define RC_TILE_F(NAME, ROWS)                                                                                        \
    static inline void NAME(Py_ssize_t n_in, const float* v, Py_ssize_t ldv, Py_ssize_t ldj, const float* w,            \
                            Py_ssize_t ldw, const float* bias, float* out, Py_ssize_t ldo) {                           \
        rc_vf w0, w1, o0, o1;                                                                                            \
        Py_ssize_t j;                                                                                                    \
        const float* wj = w;                                                                                             \
        ROWS(RC_DECL)                                                                                                    \
        for (j = 0; j < n_in; j++, wj += ldw) {     /* pointers stepped, not j * ld: emcc runs clang without its     \
                                                       loop-strength reduction, and V8 then multiplied per step */    \
            memcpy(&w0, wj, sizeof w0);                                                                                  \
            memcpy(&w1, wj + RC_V, sizeof w1);                                                                           \
            ROWS(RC_FMA)                                                                                                 \
        }                                                                                                                \
        if (bias) {                                                                                                      \
            memcpy(&w0, bias, sizeof w0);                                                                                \
            memcpy(&w1, bias + RC_V, sizeof w1);                                                                         \
            ROWS(RC_BIAS)                                                                                                \
        } else {                                                                                                         \
            ROWS(RC_ACC)                                                                                                 \
        }                                                                                                                \
    }
    RC_TILE_F(rc_tile4_f, RC_EACH4)
    RC_TILE_F(rc_tile8_f, RC_EACH8)

    /* out[0:n_out] += v[0:n_in] @ w for one row, w row-major with stride ldw: 4 vectors of out in registers over all
       of j, with two sets of accumulators (even and odd j) so the multiply-adds of one set overlap the other's */
    static inline Py_ssize_t rc_row_f(Py_ssize_t n_in, Py_ssize_t n_out, const float* v, const float* w, Py_ssize_t ldw,
                                      float* out) {
        Py_ssize_t k = 0, j;
        int q;
        rc_vf a[4], b[4], t;
        for (; k + 4 * RC_V <= n_out; k += 4 * RC_V) {
            for (q = 0; q < 4; q++) { a[q] = (rc_vf){0}; b[q] = (rc_vf){0}; }
            for (j = 0; j + 2 <= n_in; j += 2) {
                const float* w0 = w + j * ldw + k;
                float s0 = v[j], s1 = v[j + 1];
                for (q = 0; q < 4; q++) {
                    memcpy(&t, w0 + q * RC_V, sizeof t);
                    a[q] += s0 * t;
                    memcpy(&t, w0 + ldw + q * RC_V, sizeof t);
                    b[q] += s1 * t;
                }
            }
            if (j < n_in) {
                for (q = 0; q < 4; q++) {
                    memcpy(&t, w + j * ldw + k + q * RC_V, sizeof t);
                    a[q] += v[j] * t;
                }
            }
            for (q = 0; q < 4; q++) {
                memcpy(&t, out + k + q * RC_V, sizeof t);
                t += a[q] + b[q];
                memcpy(out + k + q * RC_V, &t, sizeof t);
            }
        }
        return k;
    }
    #endif
    """
    enum: RC_TILE
    enum: RC_ROWS8
    enum: FUSED_MIN_BATCH "RC_FUSED_MIN_BATCH"
    void rc_tile4_f(Py_ssize_t n_in, const float* v, Py_ssize_t ldv, Py_ssize_t ldj, const float* w, Py_ssize_t ldw,
                    const float* bias, float* out, Py_ssize_t ldo) noexcept nogil
    void rc_tile8_f(Py_ssize_t n_in, const float* v, Py_ssize_t ldv, Py_ssize_t ldj, const float* w, Py_ssize_t ldw,
                    const float* bias, float* out, Py_ssize_t ldo) noexcept nogil
    Py_ssize_t rc_row_f(Py_ssize_t n_in, Py_ssize_t n_out, const float* v, const float* w, Py_ssize_t ldw,
                        float* out) noexcept nogil


cdef inline void axpy(Py_ssize_t n, real a, const real* x, real* y) noexcept nogil:
    """y[k] += a * x[k], k < n."""
    cdef Py_ssize_t k
    for k in range(n):
        y[k] += a * x[k]


cdef inline void gemv_acc(Py_ssize_t n_in, Py_ssize_t n_out, const real* v, const real* w, Py_ssize_t ldw,
                          real* out) noexcept nogil:
    """out[k] += sum_j v[j] * w[j, k] for w of shape (n_in, n_out) with row stride ldw: out += v @ w."""
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
        w0 = w + j * ldw
        w1 = w0 + ldw
        w2 = w1 + ldw
        w3 = w2 + ldw
        for k in range(n_out):
            out[k] += a0 * w0[k] + a1 * w1[k] + a2 * w2[k] + a3 * w3[k]
        j += 4
    while j < n_in:
        axpy(n_out, v[j], w + j * ldw, out)
        j += 1


cdef inline void ger_acc(Py_ssize_t m, Py_ssize_t n, const real* u, const real* v, real* w) noexcept nogil:
    """w[i, j] += u[i] * v[j] for a row-major w of shape (m, n): the outer-product update of a weight gradient."""
    cdef Py_ssize_t i
    for i in range(m):
        axpy(n, u[i], v, w + i * n)


cdef inline void transpose(Py_ssize_t r, Py_ssize_t c, const real* src, real* dst, Py_ssize_t ldd) noexcept nogil:
    """dst (c, r) = src (r, c)^T; src row-major, dst with row stride ldd >= r."""
    cdef Py_ssize_t i, j
    for i in range(r):
        for j in range(c):
            dst[j * ldd + i] = src[i * c + j]


cdef inline real dot(Py_ssize_t n, const real* a, const real* b) noexcept nogil:
    """sum_j a[j] * b[j], vectorisable without -ffast-math: RC_TILE lane-wise partial sums, added at the end."""
    cdef real acc[RC_TILE]
    cdef Py_ssize_t j = 0, q
    cdef real s = 0
    for q in range(RC_TILE):
        acc[q] = 0
    while j + RC_TILE <= n:
        for q in range(RC_TILE):
            acc[q] += a[j + q] * b[j + q]
        j += RC_TILE
    for q in range(RC_TILE):
        s += acc[q]
    while j < n:
        s += a[j] * b[j]
        j += 1
    return s


cdef inline void _generic_tile4(Py_ssize_t n_in, const real* v, Py_ssize_t ldv, Py_ssize_t ldj,
                                const real* w, Py_ssize_t ldw,
                                const real* bias, real* out, Py_ssize_t ldo) noexcept nogil:
    """_tile_acc's arithmetic in Cython (float64; gcc keeps its float32 accumulators in memory)."""
    cdef real acc[4 * RC_TILE]
    cdef Py_ssize_t j, q, r
    cdef real v0, v1, v2, v3
    cdef const real* wj
    cdef const real* vj
    for q in range(4 * RC_TILE):
        acc[q] = 0
    for j in range(n_in):
        wj = w + j * ldw
        vj = v + j * ldj
        v0 = vj[0]
        v1 = vj[ldv]
        v2 = vj[2 * ldv]
        v3 = vj[3 * ldv]
        for q in range(RC_TILE):
            acc[q] += v0 * wj[q]
            acc[RC_TILE + q] += v1 * wj[q]
            acc[2 * RC_TILE + q] += v2 * wj[q]
            acc[3 * RC_TILE + q] += v3 * wj[q]
    if bias != NULL:
        for r in range(4):
            for q in range(RC_TILE):
                out[r * ldo + q] = bias[q] + acc[r * RC_TILE + q]
    else:
        for r in range(4):
            for q in range(RC_TILE):
                out[r * ldo + q] += acc[r * RC_TILE + q]


cdef inline void _tile_acc(Py_ssize_t n_in, const real* v, Py_ssize_t ldv, Py_ssize_t ldj,
                           const real* w, Py_ssize_t ldw,
                           const real* bias, real* out, Py_ssize_t ldo) noexcept nogil:
    """out[0:4, 0:RC_TILE] += v[0:4, :] @ w[:, 0:RC_TILE]: one register tile, v[r, j] at v[r ldv + j ldj], w with
    row stride ldw. gemm's tiles read v by rows (ldj = 1); gemm_tn_acc's read g^T (ldv = 1, ldj = g's row
    stride). With a ``bias`` (RC_TILE,): out[0:4, 0:RC_TILE] = bias + v @ w instead (out is not read). float32: the
    same arithmetic in C (rc_tile4_f, registers only)."""
    if real is float:
        rc_tile4_f(n_in, v, ldv, ldj, w, ldw, bias, out, ldo)
    else:
        _generic_tile4(n_in, v, ldv, ldj, w, ldw, bias, out, ldo)


cdef inline void _generic_tile8(Py_ssize_t n_in, const real* v, Py_ssize_t ldv, Py_ssize_t ldj,
                                const real* w, Py_ssize_t ldw,
                                const real* bias, real* out, Py_ssize_t ldo) noexcept nogil:
    """_tile_acc8's arithmetic in Cython (float64; gcc keeps its float32 accumulators in memory)."""
    cdef real acc[8 * RC_TILE]
    cdef Py_ssize_t j, q, r
    cdef real v0, v1, v2, v3, v4, v5, v6, v7
    cdef const real* wj
    cdef const real* vj
    for q in range(8 * RC_TILE):
        acc[q] = 0
    for j in range(n_in):
        wj = w + j * ldw
        vj = v + j * ldj
        v0 = vj[0]
        v1 = vj[ldv]
        v2 = vj[2 * ldv]
        v3 = vj[3 * ldv]
        v4 = vj[4 * ldv]
        v5 = vj[5 * ldv]
        v6 = vj[6 * ldv]
        v7 = vj[7 * ldv]
        for q in range(RC_TILE):
            acc[q] += v0 * wj[q]
            acc[RC_TILE + q] += v1 * wj[q]
            acc[2 * RC_TILE + q] += v2 * wj[q]
            acc[3 * RC_TILE + q] += v3 * wj[q]
            acc[4 * RC_TILE + q] += v4 * wj[q]
            acc[5 * RC_TILE + q] += v5 * wj[q]
            acc[6 * RC_TILE + q] += v6 * wj[q]
            acc[7 * RC_TILE + q] += v7 * wj[q]
    if bias != NULL:
        for r in range(8):
            for q in range(RC_TILE):
                out[r * ldo + q] = bias[q] + acc[r * RC_TILE + q]
    else:
        for r in range(8):
            for q in range(RC_TILE):
                out[r * ldo + q] += acc[r * RC_TILE + q]


cdef inline void _tile_acc8(Py_ssize_t n_in, const real* v, Py_ssize_t ldv, Py_ssize_t ldj,
                            const real* w, Py_ssize_t ldw,
                            const real* bias, real* out, Py_ssize_t ldo) noexcept nogil:
    """out[0:8, 0:RC_TILE] += v[0:8, :] @ w[:, 0:RC_TILE]: the 8-row register tile (AVX-512 build): 2 loads of w
    and 8 broadcasts feed 16 multiply-adds, so the multiply-add units, not the loads, set the pace. With a
    ``bias``: out = bias + v @ w, as in _tile_acc."""
    if real is float:
        rc_tile8_f(n_in, v, ldv, ldj, w, ldw, bias, out, ldo)
    else:
        _generic_tile8(n_in, v, ldv, ldj, w, ldw, bias, out, ldo)


cdef inline void gemm_acc(Py_ssize_t m, Py_ssize_t n_in, Py_ssize_t n_out,
                          const real* v, Py_ssize_t ldv,
                          const real* w, Py_ssize_t ldw,
                          real* out, Py_ssize_t ldo) noexcept nogil:
    """out[b, k] += sum_j v[b, j] * w[j, k] for b < m: out += v @ w, w (n_in, n_out), v, w and out with row
    strides ldv, ldw and ldo (callers pad ldw off multiples of 4 KiB: a column tile of w read down rows 4 KiB apart
    would all fall in one L1 set).

    Register tiles of 4 rows x RC_TILE (16; 32 in the AVX-512 build) columns of ``out`` accumulate over all j in a
    local array the compiler keeps in vector registers (the shape of a BLAS micro-kernel, left to gcc/clang to
    vectorise). Rows go in chunks of 64 so a chunk of ``v`` stays in cache while every column tile of ``w`` passes,
    and each column tile of ``w`` stays in L1 while the chunk's row tiles use it. Columns past the last full tile
    take the axpy form, rows past the last multiple of 4 the gemv form."""
    gemm(m, n_in, n_out, v, ldv, w, ldw, 0, NULL, out, ldo)


cdef inline void gemm_bias(Py_ssize_t m, Py_ssize_t n_in, Py_ssize_t n_out,
                           const real* v, Py_ssize_t ldv,
                           const real* w, Py_ssize_t ldw,
                           const real* bias,
                           real* out, Py_ssize_t ldo) noexcept nogil:
    """out[b, k] = bias[k] + sum_j v[b, j] * w[j, k] for b < m: out = bias + v @ w, as gemm_acc but ``out`` is
    only written (the register tiles start from the bias: no pass to fill ``out`` first, no read of it)."""
    gemm(m, n_in, n_out, v, ldv, w, ldw, 0, bias, out, ldo)


cdef inline Py_ssize_t panels_size(Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil:
    """Elements of a weight (n_in, n_out) packed by pack_panels: one panel per RC_TILE columns."""
    return ((n_out + RC_TILE - 1) // RC_TILE) * n_in * RC_TILE


cdef inline void pack_panels(Py_ssize_t n_out, Py_ssize_t n_in, const real* src, real* dst, Py_ssize_t ldp,
                             Py_ssize_t j0) noexcept nogil:
    """The transpose of ``src`` (n_out, n_in) (a PyTorch weight) in column panels for ``gemm``: panel p holds
    columns [p RC_TILE, (p+1) RC_TILE) of src^T, row j at dst[p ldp + (j0 + j) RC_TILE], RC_TILE contiguous values
    (the last panel's columns past n_out are zeros). Several weights stack in one set of panels with row offsets
    j0 (e.g. W_ih^T over W_hh^T, ldp = (I + H) RC_TILE)."""
    cdef Py_ssize_t p, j, q, k
    cdef real* row
    for p in range((n_out + RC_TILE - 1) // RC_TILE):
        for j in range(n_in):
            row = dst + p * ldp + (j0 + j) * RC_TILE
            for q in range(RC_TILE):
                k = p * RC_TILE + q
                row[q] = src[k * n_in + j] if k < n_out else 0


cdef inline void _fill_rows(Py_ssize_t m, Py_ssize_t n, const real* bias, real* out, Py_ssize_t ldo) noexcept nogil:
    """out[b, 0:n] = bias[0:n] for b < m."""
    cdef Py_ssize_t b, k
    for b in range(m):
        for k in range(n):
            out[b * ldo + k] = bias[k]


cdef inline void gemm(Py_ssize_t m, Py_ssize_t n_in, Py_ssize_t n_out,
                      const real* v, Py_ssize_t ldv,
                      const real* w, Py_ssize_t ldw, Py_ssize_t ldp,
                      const real* bias,
                      real* out, Py_ssize_t ldo) noexcept nogil:
    """out = bias + v @ w, or out += v @ w when ``bias`` is NULL (gemm_acc and gemm_bias are this with ldp 0).

    ``w``'s columns [k, k + RC_TILE) start at w + k when ldp is 0 (a plain row-major w), or at the panel
    w + (k / RC_TILE) ldp of pack_panels (ldw = RC_TILE): then every register tile reads its columns of w from one
    contiguous block, with no 4 KiB strides for the prefetcher and the TLB to follow. The paths besides the
    register tiles fill ``out`` with the bias, then accumulate."""
    cdef Py_ssize_t m4 = m - m % 4, b0, b1, b, k, j, q
    cdef real* wt
    cdef const real* wk
    if n_out < RC_TILE and m >= 8:                   # narrow output (e.g. dx for a small input size): dot products
        wt = <real*>malloc(n_in * n_out * sizeof(real))
        if wt != NULL:
            if bias != NULL:
                _fill_rows(m, n_out, bias, out, ldo)
            for j in range(n_in):
                for k in range(n_out):
                    wt[k * n_in + j] = w[j * ldw + k]
            for b in range(m):
                for k in range(n_out):
                    out[b * ldo + k] += dot(n_in, v + b * ldv, wt + k * n_in)
            free(wt)
            return
    b0 = 0
    while b0 < m4:
        b1 = b0 + 64 if b0 + 64 < m4 else m4
        k = 0
        while k + RC_TILE <= n_out:
            wk = w + (k // RC_TILE) * ldp if ldp else w + k
            b = b0
            if RC_ROWS8:
                while b + 8 <= b1:
                    _tile_acc8(n_in, v + b * ldv, ldv, 1, wk, ldw, bias + k if bias != NULL else NULL,
                               out + b * ldo + k, ldo)
                    b += 8
            while b < b1:
                _tile_acc(n_in, v + b * ldv, ldv, 1, wk, ldw, bias + k if bias != NULL else NULL,
                          out + b * ldo + k, ldo)
                b += 4
            k += RC_TILE
        if k < n_out:
            wk = w + (k // RC_TILE) * ldp if ldp else w + k
            if bias != NULL:
                _fill_rows(b1 - b0, n_out - k, bias + k, out + b0 * ldo + k, ldo)
            for b in range(b0, b1):
                for j in range(n_in):
                    axpy(n_out - k, v[b * ldv + j], wk + j * ldw, out + b * ldo + k)
        b0 = b1
    if bias != NULL:
        _fill_rows(m - m4, n_out, bias, out + m4 * ldo, ldo)
    for b in range(m4, m):                           # rows left over (all of them when m < 4): gemv form
        if ldp:
            k = 0
            while k < n_out:
                gemv_acc(n_in, RC_TILE if k + RC_TILE <= n_out else n_out - k, v + b * ldv, w + (k // RC_TILE) * ldp,
                         ldw, out + b * ldo + k)
                k += RC_TILE
        else:
            k = 0
            if real is float:                        # whole blocks of 2 RC_TILE columns with registers only
                k = rc_row_f(n_in, n_out, v + b * ldv, w, ldw, out + b * ldo)
            if k < n_out:
                gemv_acc(n_in, n_out - k, v + b * ldv, w + k, ldw, out + b * ldo + k)


cdef inline void _gemm_tn_tiled(Py_ssize_t m, Py_ssize_t n_out, Py_ssize_t n_in,
                                const real* g, Py_ssize_t ldg,
                                const real* v, Py_ssize_t ldv,
                                real* w) noexcept nogil:
    """w[k, j] += sum_b g[b, k] * v[b, j] for b < m: w += g^T @ v, w row-major (n_out, n_in): a weight gradient
    summed over m rows. Rows go in chunks of 128 (the chunk's rows of ``g`` and ``v`` stay in L2 while every tile
    of ``w`` passes); within a chunk, register tiles of 8 (AVX-512 build) or 4 rows x RC_TILE columns of ``w``
    accumulate over the chunk's rows; the remaining rows/columns of ``w`` take the axpy form."""
    cdef Py_ssize_t b0, b1, b, k, j, q
    b0 = 0
    while b0 < m:
        b1 = b0 + 128 if b0 + 128 < m else m
        k = 0
        if RC_ROWS8:
            while k + 8 <= n_out:
                j = 0
                while j + RC_TILE <= n_in:
                    _tile_acc8(b1 - b0, g + b0 * ldg + k, 1, ldg, v + b0 * ldv + j, ldv, NULL,
                               w + k * n_in + j, n_in)                  # w[k:k+8, j:] += g[:, k:k+8]^T v
                    j += RC_TILE
                if j < n_in:
                    for b in range(b0, b1):
                        for q in range(8):
                            axpy(n_in - j, g[b * ldg + k + q], v + b * ldv + j, w + (k + q) * n_in + j)
                k += 8
        while k + 4 <= n_out:
            j = 0
            while j + RC_TILE <= n_in:
                _tile_acc(b1 - b0, g + b0 * ldg + k, 1, ldg, v + b0 * ldv + j, ldv, NULL, w + k * n_in + j, n_in)
                j += RC_TILE
            if j < n_in:
                for b in range(b0, b1):
                    for q in range(4):
                        axpy(n_in - j, g[b * ldg + k + q], v + b * ldv + j, w + (k + q) * n_in + j)
            k += 4
        while k < n_out:
            for b in range(b0, b1):
                axpy(n_in, g[b * ldg + k], v + b * ldv, w + k * n_in)
            k += 1
        b0 = b1


cdef inline void gemm_tn_acc(Py_ssize_t m, Py_ssize_t n_out, Py_ssize_t n_in,
                             const real* g, Py_ssize_t ldg,
                             const real* v, Py_ssize_t ldv,
                             real* w) noexcept nogil:
    """w[k, j] += sum_b g[b, k] * v[b, j] for b < m: w += g^T @ v, w row-major (n_out, n_in): a weight gradient
    summed over m rows. Fewer than 8 rows (one step's batch): rank-1 updates. A narrow w (n_in < RC_TILE, e.g.
    dW_ih for a small input size): w^T = v^T @ g through the tiles, then added transposed. Else tiled."""
    cdef Py_ssize_t b, k, j
    cdef real* wt
    if m < 8:
        for b in range(m):
            ger_acc(n_out, n_in, g + b * ldg, v + b * ldv, w)
        return
    if n_in < RC_TILE and n_out >= RC_TILE:
        wt = <real*>calloc(n_in * n_out, sizeof(real))
        if wt != NULL:
            _gemm_tn_tiled(m, n_in, n_out, v, ldv, g, ldg, wt)
            for k in range(n_out):
                for j in range(n_in):
                    w[k * n_in + j] += wt[j * n_out + k]
            free(wt)
            return
    _gemm_tn_tiled(m, n_out, n_in, g, ldg, v, ldv, w)


cdef inline double sumsq(Py_ssize_t n, const real* x) noexcept nogil:
    """sum_k x[k]^2, accumulated in double."""
    cdef Py_ssize_t k
    cdef double s = 0.0
    for k in range(n):
        s += <double>x[k] * x[k]
    return s


cdef inline void sum_rows_acc(Py_ssize_t m, Py_ssize_t n, const real* g, Py_ssize_t ldg, real* out) noexcept nogil:
    """out[k] += sum_b g[b, k] for g of shape (m, n) with row stride ldg."""
    cdef Py_ssize_t b, k
    for b in range(m):
        for k in range(n):
            out[k] += g[b * ldg + k]


cdef inline void copy_padded(Py_ssize_t r, Py_ssize_t c, const real* src, real* dst, Py_ssize_t ldd) noexcept nogil:
    """dst[i, :c] = src[i, :] for a row-major src (r, c) into dst with row stride ldd (see gemm_acc on padding)."""
    cdef Py_ssize_t i, j
    for i in range(r):
        for j in range(c):
            dst[i * ldd + j] = src[i * c + j]
