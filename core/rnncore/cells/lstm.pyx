# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""LSTM time loops (steps numbered in lstm.pxd). Shapes are validated by rnncore.api / rnncore._stack before any
call.

Sequence kernels do all of a direction's work in one call, with their own matrix products (no BLAS: they also
run in WebAssembly). Forward (a C function on pointers, which rnncore._stack calls through cells/_seq.pxd's
table): for a batch of 1-7 rows (any batch in WebAssembly), the input projection for all steps, then the time
loop with the recurrent product; from 8 rows (FUSED_MIN_BATCH), each step's whole pre-activation in one product
[x_t | h_{t-1}] @ [W_ih^T ; W_hh^T] + b, so a_t is still in cache for the gates. Backward: the time loop, then
the weights' and biases' gradients and dx for all steps at once (_bptt.pxd). Step kernels do one step's
elementwise part for callers that do the products with BLAS (rnncore.api at large sizes).
Direction: ``reverse`` runs t = T-1 .. 0; the state before the first processed step is h0/c0.
Lengths: with ``bs``/``nb`` (the packed sequence's batch sizes, cells/_steps.pxd) step t runs only rows 0 .. bs[t] - 1;
outputs, gates and gradients of the other rows are never touched, and the products shrink with the batch.
"""
from cpython.pycapsule cimport PyCapsule_New
from libc.stdlib cimport malloc, free
from libc.string cimport memset
from rnncore._types cimport real
from rnncore._ops cimport FUSED_MIN_BATCH, RC_TILE, gemm, gemm_acc, gemm_bias, pack_panels, panels_size, transpose
from rnncore.cells._bptt cimport bptt_begin, bptt_end, dh_total
from rnncore.cells._steps cimport final_step, rows_at, rows_carried
from rnncore.cells._seq cimport SEQ_FWD_CAPSULE, seq_fwd_kernels


cdef int lstm_seq_fwd(Py_ssize_t T, Py_ssize_t B, Py_ssize_t I, Py_ssize_t H,
                      const real* x,           # IN (T, B, I)
                      const real* w_ih,        # IN (4H, I)
                      const real* b_ih,        # IN (4H,)
                      const real* w_hh,        # IN (4H, H)
                      const real* b_hh,        # IN (4H,)
                      const real* h0,          # IN (B, H)
                      const real* c0,          # IN (B, H)
                      real* a,                 # OUT (T, B, 4H): the gates i, f, g, o
                      real* c,                 # OUT (T, B, H): c_t
                      real* y,                 # OUT (T, B, DH): h_t into columns [col, col + H)
                      Py_ssize_t DH,           # IN y's row length (D*H)
                      Py_ssize_t col,          # IN this direction's first column in y
                      real* h_n,               # OUT (B, H): the final h
                      real* c_n,               # OUT (B, H): the final c
                      bint reverse,            # IN run t = T-1 .. 0
                      const int* nb) noexcept nogil:   # IN (T,) rows run at each step (rows sorted by length), or NULL
    cdef Py_ssize_t G = 4 * H, K = I + H
    cdef Py_ssize_t s, t, tp, b, k, n, nc
    cdef const real* h_prev
    cdef const real* c_prev
    cdef real* xh
    cdef bint fused = B >= FUSED_MIN_BATCH
    # the stacked weights [W_ih^T ; W_hh^T] (I + H, 4H): in column panels when a step's product has B >= 8 rows
    # (contiguous tiles), else row-major with padded rows (a batch of 1-3 rows takes the gemv form over whole rows)
    cdef Py_ssize_t ldw = RC_TILE if fused else G + 16
    cdef Py_ssize_t ldp = K * RC_TILE if fused else 0
    cdef real* wt = <real*>malloc((panels_size(K, G) if fused else K * ldw) * sizeof(real))
    cdef const real* w_h = wt + I * ldw                           # where W_hh^T starts
    cdef real* bias = <real*>malloc(G * sizeof(real))             # b_ih + b_hh
    cdef real* xh_buf = <real*>malloc(B * K * sizeof(real)) if fused else NULL   # rows [x_t | h_{t-1}]
    if wt == NULL or bias == NULL or (fused and xh_buf == NULL):
        free(wt)
        free(bias)
        free(xh_buf)
        return -1
    if fused:
        pack_panels(G, I, w_ih, wt, ldp, 0)
        pack_panels(G, H, w_hh, wt, ldp, I)
    else:
        transpose(G, I, w_ih, wt, ldw)
        transpose(G, H, w_hh, wt + I * ldw, ldw)
    for k in range(G):
        bias[k] = b_ih[k] + b_hh[k]                                        # 1: b_ih + b_hh
    if not fused and nb == NULL:
        gemm_bias(T * B, I, G, x, I, wt, ldw, bias, a, G)                    # 1: b + W_ih x_t, all steps at once
    elif not fused:
        for t in range(T):                                                   # 1: the same, running rows only
            gemm_bias(nb[t], I, G, x + t * B * I, I, wt, ldw, bias, a + t * B * G, G)
    for s in range(T):
        t = T - 1 - s if reverse else s
        tp = t + 1 if reverse else t - 1
        n = rows_at(nb, t, B)                       # rows [0, nc) continue from step tp, [nc, n) start from h0, c0
        nc = rows_carried(nb, t, T, B, reverse)
        if fused:                           # 1 in one product: [x_t | h_{t-1}] @ [W_ih^T ; W_hh^T], a_t stays in cache
            for b in range(n):
                xh = xh_buf + b * K
                h_prev = y + (tp * B + b) * DH + col if b < nc else h0 + b * H
                for k in range(I):
                    xh[k] = x[(t * B + b) * I + k]
                for k in range(H):
                    xh[I + k] = h_prev[k]
            gemm(n, K, G, xh_buf, K, wt, ldw, ldp, bias, a + t * B * G, G)
        else:                                                                # 1: + W_hh h_{t-1}, whole batch
            if nc > 0:
                gemm_acc(nc, H, G, y + tp * B * DH + col, DH, w_h, ldw, a + t * B * G, G)
            if n > nc:
                gemm_acc(n - nc, H, G, h0 + nc * H, H, w_h, ldw, a + (t * B + nc) * G, G)
        for b in range(n):
            c_prev = c + (tp * B + b) * H if b < nc else c0 + b * H
            lstm_row_fwd(H, a + (t * B + b) * G, c_prev, c + (t * B + b) * H, y + (t * B + b) * DH + col)  # 1i-2b
    for b in range(B):
        t = final_step(nb, T, b, reverse)
        for k in range(H):
            h_n[b * H + k] = y[(t * B + b) * DH + col + k]
            c_n[b * H + k] = c[(t * B + b) * H + k]
    free(xh_buf)
    free(bias)
    free(wt)
    return 0


cdef seq_fwd_kernels _SEQ_FWD
_SEQ_FWD.f32 = lstm_seq_fwd[float]
_SEQ_FWD.f64 = lstm_seq_fwd[double]


def seq_fwd_capsule():
    """lstm_seq_fwd for float32 and float64, for rnncore._stack (cells/_seq.pxd)."""
    return PyCapsule_New(&_SEQ_FWD, SEQ_FWD_CAPSULE, NULL)


def lstm_seq_bwd(const real[:, :, ::1] x,      # IN (T, B, I)
                 const real[:, ::1] w_ih,      # IN (4H, I)
                 const real[:, ::1] w_hh,      # IN (4H, H)
                 const real[:, ::1] h0,        # IN (B, H)
                 const real[:, ::1] c0,        # IN (B, H)
                 const real[:, :, ::1] gates,  # IN (T, B, 4H): i, f, g, o from lstm_seq_fwd
                 const real[:, :, ::1] c,      # IN (T, B, H)
                 const real[:, :, ::1] y,      # IN (T, B, D*H): h_t in columns [col, col + H)
                 const real[:, :, ::1] dy,     # IN (T, B, D*H): dL/dy, columns [col, col + H) used
                 real[:, ::1] dh,              # INOUT (B, H): in dL/dh of the final state, out dL/dh0
                 real[:, ::1] dc,              # INOUT (B, H): in dL/dc of the final state, out dL/dc0
                 real[:, :, ::1] dx,           # INOUT (T, B, I): += dL/dx through this direction
                 real[:, ::1] dw_ih,           # OUT (4H, I)
                 real[:, ::1] dw_hh,           # OUT (4H, H)
                 real[::1] db_ih,              # OUT (4H,)
                 real[::1] db_hh,              # OUT (4H,)
                 double[::1] norm_sq,          # INOUT (T,): += |dL/dh_t|^2 over batch and hidden units
                 Py_ssize_t col,
                 bint reverse,
                 const int[::1] bs=None):      # IN (T,) rows run at each step, as in lstm_seq_fwd
    cdef Py_ssize_t T = x.shape[0], B = x.shape[1], I = x.shape[2], H = h0.shape[1], G = 4 * H, DH = y.shape[2]
    cdef Py_ssize_t s, t, tp, b, n, nc
    cdef const int* nb = NULL if bs is None else &bs[0]
    cdef const real* c_prev
    cdef real* wb
    cdef real* dat
    cdef double nsq
    cdef Py_ssize_t ldg = G + 16                                 # padded row stride (see _ops.gemm_acc)
    cdef real* work = <real*>malloc(B * H * sizeof(real))
    cdef real* da = <real*>malloc(T * B * ldg * sizeof(real))   # dL/da_t for every step
    cdef real* wp = <real*>malloc(G * (H + I + 32) * sizeof(real))   # padded weights (_bptt.bptt_begin)
    if work == NULL or da == NULL or wp == NULL:
        free(work)
        free(da)
        free(wp)
        raise MemoryError()
    with nogil:
        bptt_begin(G, H, I, &w_ih[0, 0], &w_hh[0, 0], wp, &dw_ih[0, 0], &dw_hh[0, 0], &db_ih[0], &db_hh[0])
        for s in range(T):
            t = s if reverse else T - 1 - s
            tp = t + 1 if reverse else t - 1
            dat = da + t * B * ldg
            n = rows_at(nb, t, B)          # rows past their end keep dh, dc: the final state's gradient, or dL/dh0
            nc = rows_carried(nb, t, T, B, reverse)
            nsq = 0.0
            for b in range(n):
                c_prev = &c[tp, b, 0] if b < nc else &c0[b, 0]
                wb = work + b * H
                nsq += dh_total(H, &dy[t, b, col], &dh[b, 0], wb)     # dL/dh_t: output + carried from t+1
                lstm_row_bwd(H, &gates[t, b, 0], &c[t, b, 0], c_prev, wb, &dc[b, 0], dat + b * ldg)  # back 2b-1i
            memset(&dh[0, 0], 0, n * H * sizeof(real))
            gemm_acc(n, G, H, dat, ldg, wp, H + 16, &dh[0, 0], H)     # back through 1: dL/dh_{t-1} = da_t W_hh
            norm_sq[t] += nsq
        bptt_end(T, B, G, H, I, da, da, ldg, &x[0, 0, 0], &y[0, 0, col], DH, &h0[0, 0], reverse, wp,
                 &dx[0, 0, 0], &dw_ih[0, 0], &dw_hh[0, 0], &db_ih[0], &db_hh[0], nb)  # back through 1, all steps
    free(work)
    free(da)
    free(wp)


def lstm_step_fwd(real[:, ::1] a,              # INOUT (B, 4H): in x_t W_ih^T + b_ih; out i, f, g, o
                  const real[:, ::1] ah,       # IN (B, 4H): h_{t-1} W_hh^T + b_hh
                  const real[:, ::1] c_prev,   # IN (B, H)
                  real[:, ::1] c,              # OUT (B, H)
                  real[:, ::1] h):             # OUT (B, H) (may be a column block of y[t])
    cdef Py_ssize_t B = a.shape[0], G = a.shape[1], H = G // 4, b, k
    with nogil:
        for b in range(B):
            for k in range(G):
                a[b, k] += ah[b, k]                                    # 1
            lstm_row_fwd(H, &a[b, 0], &c_prev[b, 0], &c[b, 0], &h[b, 0])


def lstm_step_bwd(const real[:, ::1] gates,    # IN (B, 4H)
                  const real[:, ::1] c,        # IN (B, H)
                  const real[:, ::1] c_prev,   # IN (B, H)
                  const real[:, ::1] dy,       # IN (B, H): dL/dy_t for this direction
                  real[:, ::1] dh,             # INOUT (B, H): in dL/dh_t from t+1; out 0 (the caller adds da W_hh)
                  real[:, ::1] dc,             # INOUT (B, H): in dL/dc_t from t+1; out dL/dc_{t-1}
                  real[:, ::1] da):            # OUT (B, 4H)
    """One step back; returns |dL/dh_t|^2."""
    cdef Py_ssize_t B = gates.shape[0], H = c.shape[1], b, k
    cdef double nsq = 0.0
    with nogil:
        for b in range(B):
            nsq += dh_total(H, &dy[b, 0], &dh[b, 0], &dh[b, 0])        # dL/dh_t, in place
            lstm_row_bwd(H, &gates[b, 0], &c[b, 0], &c_prev[b, 0], &dh[b, 0], &dc[b, 0], &da[b, 0])
            for k in range(H):
                dh[b, k] = 0
    return nsq
