"""The cross toolchain for Pyodide's wasm32: headers, compiler flags, and a check of the linked module.

Design (what each part is for; see /work/shared/PYODIDE.md for the measurements behind it):

A. ``pyconfig.h`` for wasm32. The building interpreter's own CPython headers are used, but its ``pyconfig.h``
   describes the host (``SIZEOF_LONG 8``). We copy the header tree and rewrite ``pyconfig.h``: every macro name
   of the host file takes the value Pyodide recorded in ``_sysconfigdata__emscripten_wasm32-emscripten.py``
   (inside ``python_stdlib.zip`` of the npm package); a value of 0 becomes ``#undef``. Names Pyodide does not
   record (feature-test macros such as ``_POSIX_C_SOURCE``) keep the host's line.
B. The ``time_t`` shadow. Debian's Emscripten 3.1.6 has a 32-bit ``time_t``/``suseconds_t``; Pyodide's libc has
   64-bit ones. A copy of the sysroot's ``bits/alltypes.h`` with both typedefs widened goes first on the include
   path, so nothing we compile disagrees with the runtime about them.
C. The Limited API (``Py_LIMITED_API=0x030B0000``): one ``.abi3.so`` serves every Pyodide with Python >= 3.11.
D. ``check_imports``: the side module's wasm imports against what ``pyodide.asm.wasm`` offers (its exports, and
   for JS-implemented functions its own imports). A signature mismatch here is exactly the ``time_t`` failure,
   caught at build time instead of at ``LinkError`` time in the browser.
"""
import os
import re
import shutil
import sysconfig
import zipfile

LIMITED_API = "0x030B0000"
SYSCONFIG_NAME = "_sysconfigdata__emscripten_wasm32-emscripten.py"

# --- A. pyconfig.h ----------------------------------------------------------------------------------------------


def pyodide_build_vars(stdlib_zip):
    """``build_time_vars`` of Pyodide's CPython, read from its ``python_stdlib.zip``."""
    with zipfile.ZipFile(stdlib_zip) as zf:
        src = zf.read(SYSCONFIG_NAME).decode()
    scope = {}
    exec(compile(src, SYSCONFIG_NAME, "exec"), scope)
    return scope["build_time_vars"]


_MACRO = re.compile(r"^(?:#define\s+(\w+)(?:\s+(.*?))?|/\*\s*#undef\s+(\w+)\s*\*/)\s*$")


def wasm_pyconfig(host_text, build_vars):
    """Rewrite the host ``pyconfig.h`` text with Pyodide's values (design note A)."""
    out = []
    for line in host_text.splitlines():
        m = _MACRO.match(line)
        name = m and (m.group(1) or m.group(3))
        if not name or name not in build_vars or name == "Py_PYCONFIG_H":
            out.append(line)
            continue
        value = build_vars[name]
        if value in (0, "0", "", None):
            out.append(f"/* #undef {name} */")
        elif isinstance(value, int):
            out.append(f"#define {name} {value}")
        else:
            out.append(f"#define {name} {value}")
    return "\n".join(out) + "\n"


def host_pyconfig(include, multiarch=None):
    """The host's real ``pyconfig.h``. Debian's python3-dev installs a multiarch wrapper in the include folder
    (``#include <x86_64-linux-gnu/python3.11/pyconfig.h>`` under ``#if`` per architecture) and the macros in
    ``/usr/include/<multiarch>/python3.X/``; a CPython built from source (pyenv, python.org) has them in place."""
    path = os.path.join(include, "pyconfig.h")
    multiarch = multiarch or sysconfig.get_config_var("MULTIARCH")
    if multiarch:
        real = os.path.join(os.path.dirname(include), multiarch, os.path.basename(include), "pyconfig.h")
        with open(path) as f:
            wrapper = f.read()
        if os.path.isfile(real) and f"<{multiarch}/{os.path.basename(include)}/pyconfig.h>" in wrapper:
            return real
    return path


def python_include_tree(stdlib_zip, dest):
    """Copy the host CPython headers to ``dest`` with a wasm32 ``pyconfig.h``; return ``dest``.

    The copy matters: ``Python.h`` includes ``"pyconfig.h"`` with quotes, which finds the file next to itself
    before any ``-I`` directory.
    """
    host = sysconfig.get_paths()["include"]
    if os.path.isdir(dest):
        shutil.rmtree(dest)
    shutil.copytree(host, dest)
    with open(host_pyconfig(host)) as f:
        text = wasm_pyconfig(f.read(), pyodide_build_vars(stdlib_zip))
    for must in ("#define SIZEOF_LONG 4", "#define SIZEOF_VOID_P 4", "#define SIZEOF_TIME_T 8",
                 "#define SIZEOF_SIZE_T 4"):
        if must not in text:
            raise RuntimeError(f"generated pyconfig.h lacks {must!r}: Pyodide's sysconfig data changed?")
    with open(os.path.join(dest, "pyconfig.h"), "w") as f:
        f.write(text)
    return dest


# --- B. the time_t shadow ---------------------------------------------------------------------------------------

_WIDEN = {"typedef long time_t;": "typedef long long time_t;",
          "typedef long suseconds_t;": "typedef long long suseconds_t;"}


def emscripten_sysroot(emcc):
    """The sysroot of an Emscripten install (Debian: /usr/share/emscripten/cache/sysroot)."""
    real = os.path.realpath(emcc)
    for root in (os.path.dirname(real), "/usr/share/emscripten"):
        cand = os.path.join(root, "cache", "sysroot")
        if os.path.isdir(os.path.join(cand, "include")):
            return cand
    raise RuntimeError(f"cannot find the Emscripten sysroot next to {real}")


def shadow_alltypes(sysroot, dest_include):
    """Write ``dest_include/bits/alltypes.h``: the sysroot's, with 64-bit time_t and suseconds_t (note B)."""
    with open(os.path.join(sysroot, "include", "bits", "alltypes.h")) as f:
        text = f.read()
    for old, new in _WIDEN.items():
        if old not in text:
            if new in text:          # an Emscripten that already has 64-bit time_t: nothing to widen
                continue
            raise RuntimeError(f"bits/alltypes.h of {sysroot} has neither {old!r} nor {new!r}")
        text = text.replace(old, new)
    os.makedirs(os.path.join(dest_include, "bits"), exist_ok=True)
    with open(os.path.join(dest_include, "bits", "alltypes.h"), "w") as f:
        f.write("/* Generated by build/wasm/toolchain.py: Emscripten's alltypes.h with Pyodide's 64-bit time_t. */\n")
        f.write(text)
    return dest_include


# --- C. compile and link flags ----------------------------------------------------------------------------------


def compile_flags(shadow_include, py_include, simd=False, opt="-O2"):
    flags = [opt, "-fPIC", "-DNDEBUG", f"-DPy_LIMITED_API={LIMITED_API}", "-DCYTHON_LIMITED_API=1",
             "-I", shadow_include, "-I", py_include,
             "-Wno-unused-function", "-Wno-unreachable-code-fallthrough", "-Wno-unknown-warning-option"]
    if simd:
        flags.append("-msimd128")
    return flags


def link_flags(simd=False, opt="-O2"):
    flags = [opt, "-sSIDE_MODULE=1", "-sWASM_BIGINT"]
    if simd:
        flags.append("-msimd128")
    return flags


# --- D. wasm imports vs pyodide.asm.wasm ------------------------------------------------------------------------

_VALTYPE = {0x7F: "i32", 0x7E: "i64", 0x7D: "f32", 0x7C: "f64", 0x7B: "v128", 0x70: "funcref", 0x6F: "externref"}


class _Reader:
    def __init__(self, data, pos=0, end=None):
        self.data, self.pos, self.end = data, pos, len(data) if end is None else end

    def byte(self):
        b = self.data[self.pos]
        self.pos += 1
        return b

    def uleb(self):
        result = shift = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                return result

    def name(self):
        n = self.uleb()
        s = self.data[self.pos:self.pos + n].decode("utf-8")
        self.pos += n
        return s

    def limits(self):
        flag = self.byte()
        lo = self.uleb()
        hi = self.uleb() if flag & 1 else None
        return lo, hi


def parse_wasm(data):
    """Imports and exports of a wasm binary.

    Returns ``(imports, exports)``: ``imports`` a list of ``(module, name, kind, sig)``, ``exports`` a dict
    ``name -> (kind, sig)``; kind is func/table/memory/global/tag, sig is ``"(i32,i64)->(i32)"`` for functions
    and tags, the value type (with ``mut``) for globals.
    """
    if data[:4] != b"\0asm":
        raise ValueError("not a wasm binary")
    types, imports, exports, funcs, globals_ = [], [], {}, [], []
    r = _Reader(data, 8)
    while r.pos < len(data):
        sid = r.byte()
        size = r.uleb()
        end = r.pos + size
        s = _Reader(data, r.pos, end)
        if sid == 1:                                             # type section
            for _ in range(s.uleb()):
                form = s.byte()
                if form != 0x60:
                    raise ValueError(f"unsupported type form 0x{form:x}")
                params = [_VALTYPE.get(s.byte(), "?") for _ in range(s.uleb())]
                results = [_VALTYPE.get(s.byte(), "?") for _ in range(s.uleb())]
                types.append(f"({','.join(params)})->({','.join(results)})")
        elif sid == 2:                                           # import section
            for _ in range(s.uleb()):
                mod, name, kind = s.name(), s.name(), s.byte()
                if kind == 0:
                    sig = types[s.uleb()]
                    funcs.append(sig)
                    imports.append((mod, name, "func", sig))
                elif kind == 1:
                    s.byte()
                    s.limits()
                    imports.append((mod, name, "table", None))
                elif kind == 2:
                    s.limits()
                    imports.append((mod, name, "memory", None))
                elif kind == 3:
                    vt, mut = _VALTYPE.get(s.byte(), "?"), s.byte()
                    sig = ("mut " if mut else "") + vt
                    globals_.append(sig)
                    imports.append((mod, name, "global", sig))
                elif kind == 4:
                    s.byte()
                    imports.append((mod, name, "tag", types[s.uleb()]))
                else:
                    raise ValueError(f"unsupported import kind {kind}")
        elif sid == 3:                                           # function section
            funcs.extend(types[s.uleb()] for _ in range(s.uleb()))
        elif sid == 6:                                           # global section: only the types matter
            for _ in range(s.uleb()):
                vt, mut = _VALTYPE.get(s.byte(), "?"), s.byte()
                globals_.append(("mut " if mut else "") + vt)
                depth = 0
                while True:                                      # skip the init expression up to its `end`
                    op = s.byte()
                    if op == 0x0B and depth == 0:
                        break
                    if op in (0x41, 0x42, 0x23):
                        s.uleb()
                    elif op == 0x44:
                        s.pos += 8
                    elif op == 0x43:
                        s.pos += 4
                    elif op == 0xD2:
                        s.uleb()
                    elif op == 0xFD:
                        s.uleb()
                        s.pos += 16
        elif sid == 7:                                           # export section
            for _ in range(s.uleb()):
                name, kind, idx = s.name(), s.byte(), s.uleb()
                if kind == 0:
                    exports[name] = ("func", funcs[idx] if idx < len(funcs) else None)
                elif kind == 3:
                    exports[name] = ("global", globals_[idx] if idx < len(globals_) else None)
                else:
                    exports[name] = ({1: "table", 2: "memory", 4: "tag"}.get(kind, "?"), None)
        r.pos = end
    return imports, exports


# Provided by the dynamic loader itself, not by a symbol of the main module.
_LOADER = {"memory", "__indirect_function_table", "__stack_pointer", "__memory_base", "__table_base",
           "__c_longjmp", "__cpp_exception"}


def check_imports(side_wasm, main_wasm):
    """Problems resolving ``side_wasm``'s imports against ``main_wasm`` (an empty list means it will link).

    A function import must be a function the main module exports, or imports from JS, with the same signature.
    ``GOT.func``/``GOT.mem`` entries must name an exported function resp. data symbol (global).
    """
    with open(side_wasm, "rb") as f:
        side_imports, side_exports = parse_wasm(f.read())
    with open(main_wasm, "rb") as f:
        main_imports, main_exports = parse_wasm(f.read())
    main_js = {name: sig for mod, name, kind, sig in main_imports if kind == "func"}
    problems = []
    for mod, name, kind, sig in side_imports:
        if (name in _LOADER and mod == "env") or (mod.startswith("GOT.") and name in side_exports):
            continue
        if mod == "GOT.func":
            if main_exports.get(name, (None,))[0] != "func" and name not in main_js:
                problems.append(f"GOT.func {name}: no such function in the runtime")
            continue
        if mod == "GOT.mem":
            if main_exports.get(name, (None,))[0] != "global":
                problems.append(f"GOT.mem {name}: no such data symbol in the runtime")
            continue
        if kind == "func":
            have = main_exports.get(name)
            have_sig = have[1] if have and have[0] == "func" else main_js.get(name)
            if have_sig is None:
                problems.append(f"{mod}.{name}{sig}: not provided by the runtime")
            elif have_sig != sig:
                problems.append(f"{mod}.{name}: module wants {sig}, runtime has {have_sig}")
        elif kind == "global":
            have = main_exports.get(name)
            if not have or have[0] != "global":
                problems.append(f"{mod}.{name}: global not provided by the runtime")
    return problems


def wasm_section_names(path):
    """Ids of the sections of a wasm file (for tests: a SIMD build has v128 somewhere, etc.)."""
    with open(path, "rb") as f:
        data = f.read()
    r, ids = _Reader(data, 8), []
    while r.pos < len(data):
        ids.append(r.byte())
        r.pos += r.uleb()
    return ids
