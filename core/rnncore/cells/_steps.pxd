# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
# Variable-length batches, as cuDNN and PyTorch's packed sequences run them: rnncore.api sorts the batch rows by
# decreasing length once, so the rows still running at step t are the first nb[t] (nb non-increasing in t, the
# packed sequence's ``batch_sizes``). A step processes only those rows: padding costs no work. ``nb`` NULL means
# every sequence is T steps long.
#   forward direction: row b runs t = 0 .. len_b - 1 and its final state is that of step len_b - 1;
#   reverse direction: row b starts at t = len_b - 1 from h0 (c0) and its final state is that of step 0.


cdef inline Py_ssize_t rows_at(const int* nb, Py_ssize_t t, Py_ssize_t B) noexcept nogil:
    """How many rows step t processes: the first nb[t] (all B without lengths)."""
    return B if nb == NULL else nb[t]


cdef inline Py_ssize_t rows_carried(const int* nb, Py_ssize_t t, Py_ssize_t T, Py_ssize_t B,
                                    bint reverse) noexcept nogil:
    """Of the rows step t processes, how many (the first ones) continue from the step processed before it; the
    rest start there from the initial state. Forward: all at t > 0, none at t = 0. Reverse: the rows still
    running at t + 1 (none at t = T - 1)."""
    if reverse:
        return 0 if t == T - 1 else rows_at(nb, t + 1, B)
    return 0 if t == 0 else rows_at(nb, t, B)


cdef inline Py_ssize_t final_step(const int* nb, Py_ssize_t T, Py_ssize_t b, bint reverse) noexcept nogil:
    """The step whose state is row b's final state: 0 in reverse, else the row's last real step."""
    cdef Py_ssize_t t = T - 1
    if reverse:
        return 0
    if nb != NULL:
        while t > 0 and nb[t] <= b:
            t -= 1
    return t
