# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""A stack's forward pass in one compiled call, and the compiled check of arrays that ``rnncore.api`` runs on every
call.

``forward(model, x, state, lengths, kernels, max_dim, max_elements)`` is the body of ``rnncore.api``'s ``forward``.
It checks x and every parameter in one pass over their buffers (kind, format, shape, C order, writability, every
value finite), allocates the outputs, the gate buffers (or takes the last call's back) and the states, puts x in
the kernels' layout, and runs every layer and direction through the cell's sequence kernel: a C function pointer
taken once from the kernel module of the build chosen for this CPU (cells/_seq.pxd). At teaching sizes a forward
then costs the kernels and a few allocations, not a Python loop of views and checks (in Pyodide, Python work
around the kernels was most of a call).

Whatever is not the common case goes to the model's own Python methods, which convert an input (nested lists,
non-contiguous arrays) or raise the ValueError/TypeError that names the argument with the expected and actual
value: a parameter or an x that fails the compiled check, a state given by the caller, ``lengths``, the seeds of
the dropout masks (the model's generator), and the BLAS route of large sizes (``_blas_dir_fwd``, numpy only).

Arrays are made as ``rnncore._buffers`` makes them (ndarrays when ``_buffers.HAVE_NUMPY``, else shaped memoryviews
over a ``bytearray``). The kernels' layout is time-major with the batch rows sorted by decreasing length when
``lengths`` are given (``move_rows`` moves rows between it and the caller's). The cache of the call, which
``backward`` and ``gates`` read: {"T", "B", "layers": [{"x", "y", "dirs": [{"a", "aux"}] per direction, "mask"}],
"s0": [h0 (and c0)] (D*L, B, H) in the kernels' layout, "zero_state", "blas" (backward's route), "order", "bs"}.
"""
from cpython.buffer cimport PyObject_GetBuffer, PyBuffer_Release, PyBUF_C_CONTIGUOUS, PyBUF_FORMAT, PyBUF_WRITABLE
from cpython.pycapsule cimport PyCapsule_GetPointer
from libc.stdlib cimport malloc, realloc, free
from libc.string cimport memcpy, memset
from cpython.bytearray cimport PyByteArray_AsString, PyByteArray_FromStringAndSize
from rnncore._types cimport real
from rnncore.cells._seq cimport SEQ_FWD_CAPSULE, seq_fwd_kernels

from rnncore import _buffers

_GATES = {"rnn": 1, "lstm": 4, "gru": 3}


cdef class _Views:
    """The buffers one call holds: every array the kernels read or write keeps its buffer exported (its memory
    cannot move or be resized) until the call is over, since the kernels run without the GIL."""

    def __dealloc__(self):
        cdef Py_ssize_t i
        for i in range(self.n):
            PyBuffer_Release(&self.views[i])
        free(self.views)

    cdef Py_buffer* slot(self) except NULL:
        """Room for one more buffer (it counts as held only once ``n`` is advanced)."""
        cdef Py_buffer* grown
        if self.n == self.cap:
            grown = <Py_buffer*>realloc(self.views, (2 * self.cap + 8) * sizeof(Py_buffer))
            if grown == NULL:
                raise MemoryError()
            self.views = grown
            self.cap = 2 * self.cap + 8
        return &self.views[self.n]

    cdef char* hold(self, object a) except NULL:
        """The data of an array this module just made (C-contiguous, writable)."""
        cdef Py_buffer* view = self.slot()
        PyObject_GetBuffer(a, view, PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE)
        self.n += 1
        return <char*>view.buf


cdef inline Py_ssize_t _nonfinite(Py_ssize_t n, const real* x) noexcept nogil:
    cdef Py_ssize_t k, bad = 0
    cdef real v
    for k in range(n):
        v = x[k] - x[k]                   # 0 for a finite number, NaN for NaN and +-inf
        bad += v != v
    return bad


cdef char* _data(_Views vs, object a, tuple shape, char code, bint writable, Py_ssize_t max_dim, object ndarray,
                 Py_ssize_t* dims) except? NULL:
    """The data of ``a`` when it is an ndarray (``ndarray``: numpy's type, or None) or memoryview of format ``code``,
    of ``shape`` (an entry -1: any size in [1, max_dim]; its sizes are written to ``dims`` when not NULL),
    C-contiguous (and writable), with every value finite; its buffer is then held by ``vs``. NULL when it is not
    (the caller's Python checks say why)."""
    cdef Py_buffer* view
    cdef const char* f
    cdef Py_ssize_t i, n, want, nd = len(shape)
    cdef bint ok
    cdef int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (PyBUF_WRITABLE if writable else 0)
    if not (isinstance(a, memoryview) or (ndarray is not None and isinstance(a, ndarray))):
        return NULL
    view = vs.slot()
    try:
        PyObject_GetBuffer(a, view, flags)
    except (BufferError, TypeError, ValueError):  # not C-contiguous, or read-only when writable was asked
        return NULL
    vs.n += 1
    f = view.format
    if f[0] == b'<' or f[0] == b'=' or f[0] == b'@':
        f += 1
    ok = f[0] == code and f[1] == 0 and view.ndim == nd
    for i in range(nd if ok else 0):
        want = shape[i]
        n = view.shape[i]
        ok = ok and (n == want if want >= 0 else 1 <= n <= max_dim)
        if dims != NULL:
            dims[i] = n
    if not ok:
        return NULL
    n = view.len // view.itemsize
    with nogil:
        if code == b'f':
            ok = _nonfinite(n, <const float*>view.buf) == 0
        else:
            ok = _nonfinite(n, <const double*>view.buf) == 0
    return <char*>view.buf if ok else NULL


def first_invalid(list arrays,                # IN the arrays to check
                  tuple shapes,               # IN each one's shape; an entry -1: any size in [1, max_dim]
                  str dtype,                  # IN 'float32' or 'float64'
                  bint writable,              # IN they must also be writable
                  Py_ssize_t max_dim,
                  ndarray=None):              # IN numpy.ndarray, or None without numpy
    """The index of the first of ``arrays`` that is not an ndarray or memoryview of that dtype and shape,
    C-contiguous (and writable), with every value finite; -1 when all are.

    rnncore.api's check of the arrays of ``backward`` and of the states (``forward`` does the same for x and the
    parameters): one compiled pass, so that a NaN written into a weight in place is caught on the next call as
    surely as a replaced array. It says only which array fails: the caller checks that one again in Python to say
    how (argument, expected and actual value)."""
    cdef Py_ssize_t i
    cdef char code = b'f' if dtype == "float32" else b'd'
    cdef _Views vs = _Views()
    for i in range(len(arrays)):
        if _data(vs, arrays[i], <tuple>shapes[i], code, writable, max_dim, ndarray, NULL) == NULL:
            return i
    return -1


cdef void _move(const char* src, char* dst, Py_ssize_t T, Py_ssize_t B, Py_ssize_t row, const int* order,
                bint batch_first, bint inverse) noexcept nogil:
    """Rows of ``row`` bytes between the caller's layout (T, B, .) or (B, T, .) and the kernels' (T, B, .):
    kernels' [t, j] = caller's [t, order[j]] (or [order[j], t] when batch_first); ``inverse`` the other way."""
    cdef Py_ssize_t t, j, r, c
    for t in range(T):
        for j in range(B):
            r = j if order == NULL else order[j]
            c = r * T + t if batch_first else t * B + r
            if inverse:
                memcpy(dst + c * row, src + (t * B + j) * row, row)
            else:
                memcpy(dst + (t * B + j) * row, src + c * row, row)


def move_rows(src,                           # IN (T, B, K), or (B, T, K) when batch_first and not inverse
              dst,                           # OUT the other layout, same dtype
              order,                         # IN (B,) int32: kernels' row j is the caller's row order[j], or None
              bint batch_first,
              bint inverse):                 # IN False: caller's -> kernels'; True: kernels' -> caller's
    """Batch rows between the caller's layout (batch-first or not, any row order) and the kernels' (time-major,
    rows sorted by length), as PyTorch's pack_padded_sequence(enforce_sorted=False) sorts them once per call.
    Shapes are rnncore.api's to check: both arrays C-contiguous with the same element size."""
    cdef _Views vs = _Views()
    cdef Py_buffer* view = vs.slot()
    cdef const char* s
    cdef char* d
    cdef const int* o = NULL
    cdef Py_ssize_t T, B
    PyObject_GetBuffer(src, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT)
    vs.n += 1
    s = <const char*>view.buf
    T, B = (view.shape[1], view.shape[0]) if batch_first and not inverse else (view.shape[0], view.shape[1])
    cdef Py_ssize_t row = view.len // (view.shape[0] * view.shape[1])
    d = vs.hold(dst)
    if order is not None:
        view = vs.slot()
        PyObject_GetBuffer(order, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT)
        vs.n += 1
        if view.itemsize != sizeof(int) or view.len != B * sizeof(int):
            raise TypeError("order: expected %d C ints, got a buffer of %d bytes" % (B, view.len))
        o = <const int*>view.buf
    with nogil:
        _move(s, d, T, B, row, o, batch_first, inverse)


cdef inline unsigned long long _splitmix64(unsigned long long z) noexcept nogil:
    """Steele, Lea and Flood's SplitMix64 finaliser: a counter-based generator (the k-th draw needs no state)."""
    z = z + 0x9E3779B97F4A7C15ULL
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL
    return z ^ (z >> 31)


cdef void _dropout(Py_ssize_t n, const real* x, real* mask, real* out, double p,
                   unsigned long long seed) noexcept nogil:
    """Inverted dropout as torch.nn.functional.dropout scales it: mask[k] = 0 with probability p, else 1 / (1 - p),
    and out = x * mask; the same values on every platform and with or without numpy (53 random bits per entry,
    compared with p)."""
    cdef Py_ssize_t k
    cdef real keep = <real>(1.0 / (1.0 - p))
    cdef unsigned long long base = _splitmix64(seed)
    cdef double u
    for k in range(n):
        u = (_splitmix64(base + <unsigned long long>k) >> 11) * (1.0 / 9007199254740992.0)
        mask[k] = 0 if u < p else keep
        out[k] = x[k] * mask[k]


cdef class _Maker:
    """Makes the call's arrays the way rnncore._buffers does, and holds their buffers."""

    def __cinit__(self, _Views vs, str dtype):
        self.vs = vs
        self.dtype = dtype
        self.fmt = "f" if dtype == "float32" else "d"
        self.itemsize = 4 if dtype == "float32" else 8
        self.np_zeros = _buffers.np.zeros if _buffers.HAVE_NUMPY else None

    cdef object zeros(self, tuple shape, char** data):
        """A new zero-filled array of ``shape``; its data in ``data``. Without numpy the data is the new bytearray's,
        taken straight from it: the memoryview over it keeps it exported (it cannot be resized) while it lives, and
        no one else sees it before the call returns, so it needs no hold of its own."""
        cdef Py_ssize_t n = self.itemsize, s
        if self.np_zeros is not None:
            a = self.np_zeros(shape, self.dtype)
            data[0] = self.vs.hold(a)
            return a
        for s in shape:
            n *= s
        raw = PyByteArray_FromStringAndSize(NULL, n)
        data[0] = PyByteArray_AsString(raw)
        memset(data[0], 0, n)
        return memoryview(raw).cast(self.fmt, shape)


def forward(model, x, state, lengths, kernels, Py_ssize_t max_dim, Py_ssize_t max_elements):
    """``model.forward(x, state, lengths)`` (rnncore.api._Layer: its docstring says what goes in and out);
    ``kernels``: the cell's capsule of sequence kernels (cells/_seq.pxd); max_dim, max_elements: api's limits."""
    cdef seq_fwd_kernels* kern = <seq_fwd_kernels*>PyCapsule_GetPointer(kernels, SEQ_FWD_CAPSULE)
    cdef str cell = model.cell, dtype = model.dtype
    cdef Py_ssize_t L = model.num_layers, D = model.num_directions, H = model.hidden_size, I = model.input_size
    cdef Py_ssize_t G = _GATES[cell], DL = D * L
    cdef bint bf = model.batch_first, lstm = cell == "lstm", f32 = dtype == "float32"
    cdef char code = b'f' if f32 else b'd'
    cdef Py_ssize_t isz = 4 if f32 else 8
    cdef bint numpy = _buffers.HAVE_NUMPY
    ndarray = _buffers.np.ndarray if _buffers.np is not None else None
    cdef _Views vs = _Views()
    cdef _Maker make = _Maker(vs, dtype)
    cdef Py_ssize_t dims[3]
    cdef Py_ssize_t i, k, d, j, T, B, n_par = 4 * DL, n
    cdef char** par = NULL
    cdef char* xp
    cdef char* p
    cdef char* h0p
    cdef char* c0p = NULL
    cdef char* hTp
    cdef char* cTp = NULL
    cdef char* xin_p
    cdef char* y_p
    cdef char* a_p
    cdef char* aux_p
    cdef char* mask_p
    cdef const int* nb = NULL
    cdef const int* order_p = NULL
    cdef int rc
    cdef double dropout = model.dropout if model.training else 0.0
    cdef unsigned long long seed

    # 1. the parameters: present, of their shape and dtype, C-contiguous, writable, finite
    params = model.params
    names = model._param_names
    shapes = model._shape_list
    par = <char**>malloc(n_par * sizeof(char*))
    if par == NULL:
        raise MemoryError()
    try:
        ok = type(params) is dict
        for i in range(n_par if ok else 0):
            par[i] = _data(vs, params.get(names[i]), <tuple>shapes[i], code, True, max_dim, ndarray, NULL)
            if par[i] == NULL:
                ok = False
                break
        if not ok:
            model._explain_params()                  # raises, saying which parameter and how
            raise TypeError("params: expected C-contiguous writable %s arrays of shapes %s" % (dtype, shapes))

        # 2. x: (T, B, I) or (B, T, I), finite; converted (nested lists, another layout) or explained in Python
        xp = _data(vs, x, (-1, -1, I), code, False, max_dim, ndarray, dims)
        if xp == NULL:
            x = model._input(x, "x", (None, None, I), "(B, T, I)" if bf else "(T, B, I)")
            xp = _data(vs, x, (-1, -1, I), code, False, max_dim, ndarray, dims)
            if xp == NULL:
                raise TypeError("x: expected a C-contiguous %s array of shape (*, *, %d)" % (dtype, I))
        T, B = (dims[1], dims[0]) if bf else (dims[0], dims[1])
        if <long long>T * B * G * H > max_elements:       # (64-bit: Py_ssize_t has 32 in WebAssembly)
            raise ValueError("x: T * B * %d*H = %d elements of gate activations is more than MAX_ELEMENTS = %d"
                             % (G, <long long>T * B * G * H, max_elements))

        # 3. lengths -> the rows' order and the packed batch sizes (None, None: every sequence is T steps)
        order, bs = (None, None) if lengths is None else model._check_lengths(lengths, T, B)
        if bs is not None:
            nb = <const int*>vs.hold(bs)
            order_p = <const int*>vs.hold(order)

        # 4. the last call's cache, when it had the same T and B: its buffers are internal (``gates`` hands out
        # copies), so this call may overwrite them, which at large sizes saves the page faults of tens of MB of
        # fresh memory on every call
        old = model._cache
        if old is not None and (old["T"] != T or old["B"] != B or len(old["layers"]) != L):
            old = None

        # 5. the initial state in the kernels' layout: zeros (the last call's when it had them: the kernels only
        # read it), or the caller's (a bad one raises here, with the last call's cache still in place)
        if state is None:
            if old is not None and old["zero_state"]:
                s0 = old["s0"]
                h0p = vs.hold(s0[0])
            else:
                z = make.zeros((DL, B, H), &h0p)
                s0 = [z, z] if lstm else [z]
            c0p = h0p if lstm else NULL
        else:
            s0 = model._state_input(state, "state", B)
            if order is not None:
                s0 = [_kernel_rows(make, s, DL, B, H, isz, order_p, &p) for s in s0]
            h0p = vs.hold(s0[0])
            c0p = vs.hold(s0[1]) if lstm else NULL
        # the gate buffers are taken with one atomic dict.pop: of several threads running forward on one model at
        # once (the kernels release the GIL), at most one gets them, the others allocate their own
        if model.__dict__.pop("_cache", None) is not old:
            old = None
        model._cache = model._gates = model._grad_sq = None
        final = [make.zeros((DL, B, H), &hTp)]
        if lstm:
            final.append(make.zeros((DL, B, H), &cTp))

        # 6. x in the kernels' layout
        if bf or order is not None:
            xk = make.zeros((T, B, I), &xin_p)
            with nogil:
                _move(xp, xin_p, T, B, I * isz, order_p, bf, False)
        else:
            xk, xin_p = x, xp
        blas = numpy and bs is None and model._use_blas(B, False)

        # 7. the layers, each over the whole sequence; layer k > 0 reads layer k-1's y, through dropout in training.
        # With the last call's cache, its containers are filled again (they already hold the gate buffers): at
        # teaching sizes making them anew was a tenth of a call's fixed cost in Pyodide
        layers = old["layers"] if old is not None else []
        for k in range(L):
            mask = None
            if k > 0:
                xk, xin_p = layers[k - 1]["y"], y_p
                if dropout > 0:
                    seed = model._dropout_rng.getrandbits(64)
                    mask = make.zeros((T, B, D * H), &mask_p)
                    xd = make.zeros((T, B, D * H), &p)
                    n = T * B * D * H
                    with nogil:
                        if f32:
                            _dropout(n, <const float*>xin_p, <float*>mask_p, <float*>p, dropout, seed)
                        else:
                            _dropout(n, <const double*>xin_p, <double*>mask_p, <double*>p, dropout, seed)
                    xk, xin_p = xd, p
            y = make.zeros((T, B, D * H), &y_p)
            dirs = old["layers"][k]["dirs"] if old is not None else []
            for d in range(D):
                j = k * D + d                        # PyTorch's index into the state
                if old is not None:                  # every element the kernels read is written first
                    work = old["layers"][k]["dirs"][d]
                    a = work["a"]
                    a_p = vs.hold(a)
                    aux = work["aux"]
                    aux_p = vs.hold(aux) if aux is not None else NULL
                else:
                    a = make.zeros((T, B, G * H), &a_p)
                    aux = make.zeros((T, B, H), &aux_p) if cell != "rnn" else None
                    if aux is None:
                        aux_p = NULL
                if blas:
                    model._blas_dir_fwd(k, d, xk, s0, final, y, a, aux)
                else:
                    i = 4 * j
                    with nogil:
                        if f32:
                            rc = kern.f32(T, B, I if k == 0 else D * H, H, <const float*>xin_p,
                                          <const float*>par[i], <const float*>par[i + 2], <const float*>par[i + 1],
                                          <const float*>par[i + 3], <const float*>(h0p + j * B * H * isz),
                                          <const float*>(c0p + j * B * H * isz) if lstm else NULL,
                                          <float*>a_p, <float*>aux_p, <float*>y_p, D * H, d * H,
                                          <float*>(hTp + j * B * H * isz),
                                          <float*>(cTp + j * B * H * isz) if lstm else NULL, d == 1, nb)
                        else:
                            rc = kern.f64(T, B, I if k == 0 else D * H, H, <const double*>xin_p,
                                          <const double*>par[i], <const double*>par[i + 2], <const double*>par[i + 1],
                                          <const double*>par[i + 3], <const double*>(h0p + j * B * H * isz),
                                          <const double*>(c0p + j * B * H * isz) if lstm else NULL,
                                          <double*>a_p, <double*>aux_p, <double*>y_p, D * H, d * H,
                                          <double*>(hTp + j * B * H * isz),
                                          <double*>(cTp + j * B * H * isz) if lstm else NULL, d == 1, nb)
                    if rc != 0:
                        raise MemoryError()
                if old is None:
                    dirs.append({"a": a, "aux": aux})
            if old is None:
                layers.append({"x": xk, "y": y, "dirs": dirs, "mask": mask})
            else:
                work = layers[k]
                work["x"] = xk
                work["y"] = y
                work["mask"] = mask

        cache = old if old is not None else {"T": T, "B": B, "layers": layers}
        cache["s0"] = s0
        cache["zero_state"] = state is None
        cache["blas"] = numpy and bs is None and model._use_blas(B, True)
        cache["order"] = order
        cache["bs"] = bs
        model._cache = cache

        # 8. the results in the caller's layout
        if bf or order is not None:
            y = make.zeros((B, T, D * H) if bf else (T, B, D * H), &p)
            with nogil:
                _move(y_p, p, T, B, D * H * isz, order_p, bf, True)
        if order is not None:
            final = [_caller_rows(make, vs, f, DL, B, H, isz, order_p) for f in final]
        return y, (tuple(final) if lstm else final[0])
    finally:
        free(par)


cdef object _kernel_rows(_Maker make, object s, Py_ssize_t DL, Py_ssize_t B, Py_ssize_t H, Py_ssize_t isz,
                         const int* order, char** data):
    """A state (D*L, B, H) with its rows in the kernels' order (a new array)."""
    cdef char* src = make.vs.hold(s)
    out = make.zeros((DL, B, H), data)
    with nogil:
        _move(src, data[0], DL, B, H * isz, order, False, False)
    return out


cdef object _caller_rows(_Maker make, _Views vs, object s, Py_ssize_t DL, Py_ssize_t B, Py_ssize_t H,
                         Py_ssize_t isz, const int* order):
    """A final state (D*L, B, H) with its rows back in the caller's order (a new array)."""
    cdef char* src = vs.hold(s)
    cdef char* dst
    out = make.zeros((DL, B, H), &dst)
    with nogil:
        _move(src, dst, DL, B, H * isz, order, False, True)
    return out
