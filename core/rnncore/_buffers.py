"""Arrays with or without numpy: the one array layer of ``rnncore`` (``api``, ``train``, ``tasks``), on ndarrays or
shaped memoryviews.

With numpy, arrays are C-contiguous ``ndarray``s. Without it (Pyodide here has no numpy), they are shaped
``memoryview``s over a ``bytearray`` or an ``array.array`` (``memoryview(bytearray(n)).cast('d', shape)``, as
``rnncore._stack`` also makes them; ``memoryview(array.array('d', ...)).cast('B').cast('d', shape)``): they have
``.shape``, ``.ndim``, ``.format``, ``.tolist()`` and element indexing ``mv[i, j]`` (read and write), but no
slicing in more than one dimension and no arithmetic. Typed memoryviews in the Cython kernels accept both.

Everything here that allocates returns C-contiguous, writable arrays; ``take`` returns a view of one entry along
the first axis (no copy), which is how per-direction states and per-step blocks are handed to the kernels.
Which kind is made is decided by ``HAVE_NUMPY``, read at each call (the tests switch it off to run the
numpy-free path natively). Reading goes the other way: ``to_flat`` and ``to_list`` take any of them, nested
lists and plain numbers too.
"""
import array
import math
import numbers
from operator import mul

try:
    import numpy as np
except ImportError:                                      # Pyodide without numpy, or numpy blocked on purpose
    np = None

HAVE_NUMPY = np is not None


def numpy():
    """The numpy module when arrays are made with it (``HAVE_NUMPY``, read at each call), else None."""
    return np if HAVE_NUMPY else None

CODES = {"float32": "f", "float64": "d", "int64": "q"}   # dtype name -> array/struct format code (int64: class ids)
ITEMSIZE = {"float32": 4, "float64": 8, "int64": 8}
_FORMATS = {"f": "float32", "d": "float64", "<f": "float32", "<d": "float64", "=f": "float32", "=d": "float64",
            "@f": "float32", "@d": "float64"}


# One C call per dot product of two lists where Python has it (3.12+, so Pyodide), else the idiomatic fast form.
dot = getattr(math, "sumprod", None) or (lambda a, b: sum(map(mul, a, b)))

_NP_NAMES = {np.dtype("float32"): "float32", np.dtype("float64"): "float64"} if HAVE_NUMPY else {}


def dtype_name(a):
    """'float32' / 'float64' / another description of an array's element type."""
    if HAVE_NUMPY and isinstance(a, np.ndarray):
        name = _NP_NAMES.get(a.dtype)                    # str(dtype) costs ~2 us: look the two we use up
        return name if name is not None else str(a.dtype)
    if isinstance(a, memoryview):
        return _FORMATS.get(a.format, "format %r" % a.format)
    return type(a).__name__


def shape_of(a):
    return tuple(a.shape)


def size_of(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def zeros(shape, dtype):
    """A new zero-filled C-contiguous array of ``shape`` and ``dtype`` ('float32' or 'float64')."""
    if HAVE_NUMPY:
        return np.zeros(shape, dtype=dtype)
    shape = tuple(int(s) for s in shape)
    return memoryview(bytearray(size_of(shape) * ITEMSIZE[dtype])).cast(CODES[dtype], shape)


def from_flat(values, shape, dtype):
    """An array of ``shape`` filled row-major from the iterable of numbers ``values``."""
    shape = tuple(int(s) for s in shape)
    if HAVE_NUMPY:
        return np.array(values, dtype=dtype).reshape(shape)
    code = CODES[dtype]
    return memoryview(array.array(code, values)).cast("B").cast(code, shape)


def flat(a):
    """A 1-D view of a C-contiguous array (for kernels that scan every element)."""
    return reshape(a, (size_of(a.shape),))


def writable_flat(a):
    """A C-contiguous writable float buffer -> flat 1-D memoryview over the same memory (for in-place updates)."""
    m = a if isinstance(a, memoryview) else memoryview(a)
    if m.readonly:
        raise ValueError("parameter buffer is read-only; the optimiser writes into it")
    if not m.c_contiguous:
        raise ValueError("parameter buffer must be C-contiguous")
    if m.format.lstrip("<=@") not in ("d", "f"):
        raise TypeError(f"parameter buffer must hold float32 or float64; got format {m.format!r}")
    return flat(m)


def reshape(a, shape):
    """A view of the C-contiguous array ``a`` with another shape of the same size (no copy)."""
    if HAVE_NUMPY and isinstance(a, np.ndarray):
        return a.reshape(shape)
    m = a if isinstance(a, memoryview) else memoryview(a)
    return m.cast("B").cast(m.format.lstrip("<=@"), tuple(shape))


def take(a, i):
    """View of ``a[i]`` along the first axis (no copy), for ndarrays and shaped memoryviews alike."""
    if HAVE_NUMPY and isinstance(a, np.ndarray):
        return a[i]
    m = a if isinstance(a, memoryview) else memoryview(a)
    shape = m.shape[1:]
    step = size_of(shape) * m.itemsize
    return m.cast("B")[i * step:(i + 1) * step].cast(m.format.lstrip("<=@"), shape)


def copy_into(dst, src):
    """dst[...] = src for two C-contiguous arrays of the same shape and dtype."""
    if HAVE_NUMPY and isinstance(dst, np.ndarray):
        dst[...] = src
    else:
        memoryview(dst).cast("B")[:] = memoryview(src).cast("B")


def copy(a):
    out = zeros(a.shape, dtype_name(a))
    copy_into(out, a)
    return out


# ------------------------------------------------------------------------------------------------ reading
def dtype_of(a):
    """'float32' for a float32 array or buffer, else 'float64' (nested lists and numbers count as float64)."""
    if isinstance(a, (list, tuple, numbers.Number)):
        return "float64"
    if not is_array(a):
        a = memoryview(a)
    return "float32" if dtype_name(a) == "float32" else "float64"


def shape_any(a):
    """The shape of an array, buffer, nested list (along its first elements) or number, without copying it."""
    if isinstance(a, (list, tuple)):
        return _nested_shape(a, "")
    if isinstance(a, numbers.Number):
        return ()
    return tuple(a.shape) if hasattr(a, "shape") else tuple(memoryview(a).shape)


def to_flat(a):
    """Any array-like -> (flat list of Python numbers in C order, shape)."""
    if isinstance(a, numbers.Number):
        return [a], ()
    if isinstance(a, (list, tuple)):
        shape = _nested_shape(a, "")
        values = list(a)
        for _ in range(len(shape) - 1):
            values = [v for row in values for v in row]
        return values, shape
    m = a if isinstance(a, memoryview) else memoryview(a)
    if m.ndim == 0:
        return [m.tolist()], ()
    if m.c_contiguous:
        return m.cast("B").cast(m.format.lstrip("<=@")).tolist(), tuple(m.shape)
    return list(_iter_flat(m.tolist())), tuple(m.shape)


def to_list(a):
    """An array, shaped memoryview or nested list -> nested lists of Python numbers."""
    if isinstance(a, (list, tuple)):
        return [to_list(v) if isinstance(v, (list, tuple)) else v for v in a]
    return a.tolist() if hasattr(a, "tolist") else list(a)


# ------------------------------------------------------------------------------------------------ input conversion
def _nested_shape(obj, name):
    """Shape of a nested list/tuple of numbers (walked along first elements; ``_flatten`` finds ragged ones)."""
    shape = []
    level = obj
    while isinstance(level, (list, tuple)):
        shape.append(len(level))
        if not level:
            break
        level = level[0]
    return tuple(shape)


def _flatten(obj, shape, depth, out, name):
    if depth == len(shape):
        if isinstance(obj, (list, tuple)):
            raise ValueError("%s: ragged nested list (more levels than %d at some entry)" % (name, len(shape)))
        if isinstance(obj, bool) or not isinstance(obj, numbers.Real):
            raise TypeError("%s: expected real numbers, got an entry of type %s" % (name, type(obj).__name__))
        out.append(float(obj))
        return
    if not isinstance(obj, (list, tuple)) or len(obj) != shape[depth]:
        got = len(obj) if isinstance(obj, (list, tuple)) else type(obj).__name__
        raise ValueError("%s: ragged nested list: expected length %d at depth %d, got %s"
                         % (name, shape[depth], depth, got))
    for item in obj:
        _flatten(item, shape, depth + 1, out, name)


def as_array(obj, name, dtype, cast=False):
    """``obj`` as a C-contiguous array of ``dtype`` (may share memory with ``obj``); TypeError on a wrong kind.

    Accepted: ndarrays (when numpy is present) and buffers (``memoryview``, ``array.array``) of a floating type
    equal to ``dtype`` (any floating type when ``cast``), nested lists/tuples of real numbers (converted).
    The caller checks shape and finiteness.
    """
    if HAVE_NUMPY and isinstance(obj, np.ndarray):
        got = _NP_NAMES.get(obj.dtype)
        if got is None:
            raise TypeError("%s: expected a float32 or float64 array, got dtype %s" % (name, obj.dtype))
        if got != dtype:
            if not cast:
                raise TypeError("%s: expected dtype %s (the model's), got %s" % (name, dtype, obj.dtype))
            return np.ascontiguousarray(obj, dtype=dtype)
        return np.ascontiguousarray(obj)
    if isinstance(obj, (list, tuple)):
        shape = _nested_shape(obj, name)
        values = []
        _flatten(obj, shape, 0, values, name)
        return from_flat(values, shape, dtype)
    if isinstance(obj, (str, bytes, bytearray)) or isinstance(obj, numbers.Number):
        raise TypeError("%s: expected an array, nested list or buffer, got %s" % (name, type(obj).__name__))
    try:
        mv = memoryview(obj)
    except TypeError:
        raise TypeError("%s: expected an array, nested list or buffer, got %s" % (name, type(obj).__name__)) from None
    got = _FORMATS.get(mv.format)
    if got is None:
        raise TypeError("%s: expected a float32 or float64 buffer, got format %r" % (name, mv.format))
    if got != dtype and not cast:
        raise TypeError("%s: expected dtype %s (the model's), got %s" % (name, dtype, got))
    if HAVE_NUMPY:
        return np.ascontiguousarray(np.asarray(mv), dtype=dtype)
    if mv.ndim == 0:
        raise ValueError("%s: expected an array, got a 0-dimensional buffer" % name)
    if got != dtype or not mv.c_contiguous:
        return from_flat(_iter_flat(mv.tolist()), mv.shape, dtype)
    return mv.cast("B").cast(CODES[dtype], mv.shape)


def _iter_flat(nested):
    if isinstance(nested, list):
        for item in nested:
            yield from _iter_flat(item)
    else:
        yield nested


def is_writable(a):
    if HAVE_NUMPY and isinstance(a, np.ndarray):
        return bool(a.flags.writeable)
    return not a.readonly


def is_c_contiguous(a):
    if HAVE_NUMPY and isinstance(a, np.ndarray):
        return bool(a.flags.c_contiguous)
    return a.c_contiguous


def is_array(a):
    return (HAVE_NUMPY and isinstance(a, np.ndarray)) or isinstance(a, memoryview)

