"""Build the rnncore WebAssembly wheel for Pyodide: .build/wasm/dist/rnncore-<ver>-cp311-abi3-pyemscripten_<abi>_wasm32.whl

    python build/wasm/build_wheel.py [--force] [--simd | --no-simd] [--out DIR] [--tag ABI]

The same Cython sources as the native build (core/rnncore/**/*.pyx), cythonized here and compiled with Debian's
Emscripten for the CPython Limited API (toolchain.py says how and why); one ``<name>.abi3.so`` side module per
extension, plus every ``.py`` of the package. Before the wheel is written, each module's wasm imports are checked
against the exports of ``pyodide.asm.wasm`` of every vendored Pyodide (the ``time_t`` trap fails the build here,
not in the reader's browser).

Incremental: nothing is done when the wheel is newer than every source file, build script and the Pyodide
runtime it was checked against (``--force`` rebuilds). Fails with a non-zero exit and a message naming the
missing tool when it cannot produce the wheel.
"""
import argparse
import base64
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import toolchain  # noqa: E402  (build/ is not a package: a sibling module)

SRC_PARENT = os.path.join(ROOT, "core")                  # the directory holding the package
PKG = "rnncore"
PKG_DIR = os.path.join(SRC_PARENT, PKG)
PYODIDE_DIR = os.path.join(ROOT, "node_modules", "pyodide")
OTHER_PYODIDES = [os.path.join(ROOT, "node_modules", "pyodide-0.29")]   # checked too when present
WORK = os.path.join(ROOT, ".build", "wasm")
OUT = os.path.join(WORK, "dist")                   # build/vendor_engine.py publishes it into .build/engine
SKIP_DIRS = {"__pycache__", "tests", "demos_tests"}
# -msimd128 is on by default: 1.4-3x faster LSTM fwd+bwd in Pyodide (tests/wasm/bench_simd.py, figures in
# build/wasm/README.md); RNNCORE_WASM_SIMD=0 builds without it.
SIMD_DEFAULT = os.environ.get("RNNCORE_WASM_SIMD", "1") != "0"
OPT = os.environ.get("RNNCORE_WASM_OPT", "-O2")          # -O3 measured no faster than -O2 (README.md)
# Zip entries get this fixed time so that the same sources give the same wheel, byte for byte.
ZIP_TIME = (2020, 1, 1, 0, 0, 0)


class BuildError(Exception):
    pass


def log(msg):
    print(f"[wasm] {msg}", flush=True)


# --- inputs -----------------------------------------------------------------------------------------------------


def package_files():
    """(pyx, py) source lists of the package, relative to SRC_PARENT, sorted."""
    pyx, py = [], []
    for dirpath, dirnames, filenames in os.walk(PKG_DIR):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        for fn in sorted(filenames):
            rel = os.path.relpath(os.path.join(dirpath, fn), SRC_PARENT)
            if fn.endswith(".pyx"):
                pyx.append(rel)
            elif fn.endswith(".py") and not fn.startswith("test_"):
                py.append(rel)
    return pyx, py


def input_files():
    """Every file whose change must rebuild the wheel."""
    files = []
    for dirpath, dirnames, filenames in os.walk(PKG_DIR):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS and not d.startswith(".")]
        files += [os.path.join(dirpath, f) for f in filenames if f.endswith((".py", ".pyx", ".pxd", ".pxi", ".h"))]
    files += [os.path.join(HERE, f) for f in os.listdir(HERE) if f.endswith((".py", ".h"))]
    files += [os.path.join(ROOT, "setup.py")]
    files += [os.path.join(PYODIDE_DIR, f) for f in ("python_stdlib.zip", "pyodide.asm.wasm", "pyodide-lock.json")]
    return [f for f in files if os.path.exists(f)]


def package_version():
    init = os.path.join(PKG_DIR, "__init__.py")
    with open(init) as f:
        m = re.search(r"^__version__\s*=\s*['\"]([^'\"]+)['\"]", f.read(), re.M)
    if m:
        return m.group(1)
    with open(os.path.join(ROOT, "setup.py")) as f:
        m = re.search(r"version\s*=\s*['\"]([^'\"]+)['\"]", f.read())
    if m:
        return m.group(1)
    raise BuildError("cannot find the rnncore version (__version__ in core/rnncore/__init__.py or setup.py)")


def pyodide_abi(pyodide_dir=PYODIDE_DIR):
    with open(os.path.join(pyodide_dir, "pyodide-lock.json")) as f:
        return json.load(f)["info"]["abi_version"]                        # e.g. "2026_0"


def wheel_name(version, abi):
    return f"{PKG}-{version}-cp311-abi3-pyemscripten_{abi}_wasm32.whl"


# --- tools ------------------------------------------------------------------------------------------------------


def require_runtime():
    for f in ("python_stdlib.zip", "pyodide.asm.wasm", "pyodide-lock.json"):
        if not os.path.exists(os.path.join(PYODIDE_DIR, f)):
            raise BuildError(f"{os.path.join(PYODIDE_DIR, f)} not found: npm ci (the pinned pyodide npm package)")
    if not os.path.isdir(PKG_DIR):
        raise BuildError(f"{PKG_DIR} not found: nothing to build")


def require_compilers():
    emcc = shutil.which(os.environ.get("EMCC", "emcc"))
    if not emcc:
        raise BuildError("emcc not found: apt-get install emscripten (Debian's 3.1.6 is what this build is made for)")
    try:
        import Cython  # noqa: F401
    except ImportError:
        raise BuildError("cython not found: pip install cython==3.3.1 (pinned in requirements.txt)")
    if not shutil.which("node"):
        # emcc runs parts of itself in Node.js and fails later with a less clear message
        raise BuildError("node not found: apt-get install nodejs (emcc needs it)")
    return emcc


def run(cmd, what):
    t = time.time()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise BuildError(f"{what} failed (exit {proc.returncode}):\n$ {' '.join(cmd)}\n{proc.stdout}{proc.stderr}")
    warnings = [l for l in (proc.stdout + proc.stderr).splitlines() if "warning" in l.lower()]
    return time.time() - t, warnings


# --- steps ------------------------------------------------------------------------------------------------------


def cythonize(rel_pyx, c_path):
    """One .pyx -> .c. Cython finds the module's full name (rnncore.cells.lstm) from the __init__.py files."""
    os.makedirs(os.path.dirname(c_path), exist_ok=True)
    cmd = [sys.executable, "-m", "cython", "-3", "-I", SRC_PARENT, "-o", c_path, os.path.join(SRC_PARENT, rel_pyx)]
    return run(cmd, f"cython {rel_pyx}")


def compile_module(emcc, c_path, so_path, cflags, ldflags):
    obj = c_path[:-2] + ".o"
    dt1, w = run([emcc, *cflags, "-c", c_path, "-o", obj], f"emcc -c {os.path.basename(c_path)}")
    dt2, w2 = run([emcc, *ldflags, obj, "-o", so_path], f"emcc link {os.path.basename(so_path)}")
    return dt1 + dt2, w + w2


def record_line(arcname, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{arcname},sha256={digest},{len(data)}"


def write_wheel(path, version, abi, entries):
    """entries: {arcname: bytes}. Deterministic: sorted names, fixed timestamps, dist-info last."""
    tag = f"cp311-abi3-pyemscripten_{abi}_wasm32"
    info = f"{PKG}-{version}.dist-info"
    meta = (f"Metadata-Version: 2.1\nName: {PKG}\nVersion: {version}\n"
            "Summary: RNN, LSTM and GRU forward/backward kernels (Cython), compiled to WebAssembly for Pyodide\n"
            "Requires-Python: >=3.11\n")
    wheel = f"Wheel-Version: 1.0\nGenerator: sequencehub build/wasm/build_wheel.py\nRoot-Is-Purelib: false\nTag: {tag}\n"
    files = dict(sorted(entries.items()))
    files[f"{info}/METADATA"] = meta.encode()
    files[f"{info}/WHEEL"] = wheel.encode()
    files[f"{info}/top_level.txt"] = f"{PKG}\n".encode()
    record = [record_line(k, v) for k, v in files.items()] + [f"{info}/RECORD,,"]
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    tmp = path + ".tmp"
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, data in files.items():
            zi = zipfile.ZipInfo(name, ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = (0o755 if name.endswith(".so") else 0o644) << 16
            zf.writestr(zi, data)
    os.replace(tmp, path)


def retag_wheel(src, out_dir, abi):
    """Copy of the wheel ``src`` for another Pyodide ABI (e.g. 2025_0 for Pyodide 0.29): the same .so and .py
    files (abi3 serves both), a new file name, WHEEL tag and RECORD. Returns the new path."""
    m = re.match(rf"{PKG}-([^-]+)-cp311-abi3-pyemscripten_[0-9_]+_wasm32\.whl$", os.path.basename(src))
    if not m:
        raise BuildError(f"not an rnncore wasm wheel: {src}")
    version = m.group(1)
    with zipfile.ZipFile(src) as zf:
        entries = {n: zf.read(n) for n in zf.namelist() if ".dist-info/" not in n}
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, wheel_name(version, abi))
    write_wheel(path, version, abi, entries)
    return path


def up_to_date(wheel_path):
    if not os.path.exists(wheel_path):
        return False
    newest = max(os.path.getmtime(f) for f in input_files())
    return os.path.getmtime(wheel_path) > newest


def build(force=False, simd=SIMD_DEFAULT, out=OUT, abi=None, jobs=None):
    require_runtime()
    version = package_version()
    abi = abi or pyodide_abi()
    wheel_path = os.path.join(out, wheel_name(version, abi))
    os.makedirs(WORK, exist_ok=True)
    with open(os.path.join(WORK, ".lock"), "w") as lock:       # concurrent builds (make test + make engine) queue
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not force and up_to_date(wheel_path):
            log(f"up to date: {os.path.relpath(wheel_path, ROOT)}")
            return wheel_path
        return _build(require_compilers(), version, abi, wheel_path, simd, out, jobs)


def _build(emcc, version, abi, wheel_path, simd, out, jobs):
    t0 = time.time()
    pyx, py = package_files()
    if not pyx:
        raise BuildError(f"no .pyx under {PKG_DIR}: the wheel would not hold the compiled core")
    stdlib_zip = os.path.join(PYODIDE_DIR, "python_stdlib.zip")
    variant = "simd" if simd else "scalar"
    work = os.path.join(WORK, variant)
    inc = os.path.join(WORK, "include")
    py_inc = toolchain.python_include_tree(stdlib_zip, os.path.join(inc, "python"))
    shadow = toolchain.shadow_alltypes(toolchain.emscripten_sysroot(emcc), os.path.join(inc, "shadow"))
    cflags = toolchain.compile_flags(shadow, py_inc, simd=simd, opt=OPT)
    ldflags = toolchain.link_flags(simd=simd, opt=OPT)
    log(f"rnncore {version}: {len(pyx)} Cython modules, {len(py)} Python files; emcc {'-msimd128' if simd else '(no SIMD)'}")

    # cythonize (cheap, sequential), then compile+link in parallel (2 cores on this machine kind)
    jobs_list = []
    for rel in pyx:
        mod = rel[:-4]
        c_path = os.path.join(work, mod + ".c")
        cythonize(rel, c_path)
        so_rel = mod + ".abi3.so"
        jobs_list.append((rel, c_path, os.path.join(work, so_rel), so_rel))
    with ThreadPoolExecutor(max_workers=jobs or min(2, os.cpu_count() or 1)) as ex:
        futs = [(rel, ex.submit(compile_module, emcc, c, so, cflags, ldflags)) for rel, c, so, _ in jobs_list]
        for rel, fut in futs:
            dt, warnings = fut.result()
            log(f"  {rel}: {dt:.1f} s" + (f" ({len(warnings)} compiler warnings)" if warnings else ""))

    # the time_t check: every module against every vendored runtime
    problems = []
    runtimes = [PYODIDE_DIR] + [p for p in OTHER_PYODIDES if os.path.exists(os.path.join(p, "pyodide.asm.wasm"))]
    for _, _, so, so_rel in jobs_list:
        for rt in runtimes:
            for p in toolchain.check_imports(so, os.path.join(rt, "pyodide.asm.wasm")):
                problems.append(f"{so_rel} vs {os.path.relpath(rt, ROOT)}: {p}")
    if problems:
        raise BuildError("the wasm modules would not link in Pyodide:\n  " + "\n  ".join(problems))
    log(f"  imports check: OK against {', '.join(os.path.basename(r) for r in runtimes)}")

    entries = {}
    for _, _, so, so_rel in jobs_list:
        with open(so, "rb") as f:
            entries[so_rel.replace(os.sep, "/")] = f.read()
    for rel in py:
        with open(os.path.join(SRC_PARENT, rel), "rb") as f:
            entries[rel.replace(os.sep, "/")] = f.read()
    os.makedirs(out, exist_ok=True)
    for old in os.listdir(out):                              # one rnncore wheel in the output: drop stale ones
        if old.startswith(PKG + "-") and old.endswith(".whl") and old != os.path.basename(wheel_path):
            os.remove(os.path.join(out, old))
    write_wheel(wheel_path, version, abi, entries)
    os.utime(wheel_path, (t0, t0))       # a source saved while we compiled is newer than the wheel: rebuilt next time
    size = os.path.getsize(wheel_path)
    log(f"wrote {os.path.relpath(wheel_path, ROOT)} ({size / 1024:.0f} KiB) in {time.time() - t0:.1f} s")
    return wheel_path


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--force", action="store_true", help="rebuild even if the wheel is up to date")
    ap.add_argument("--simd", dest="simd", action="store_true", default=SIMD_DEFAULT, help="compile with -msimd128")
    ap.add_argument("--no-simd", dest="simd", action="store_false", help="compile without -msimd128")
    ap.add_argument("--out", default=OUT, help="output directory (default .build/wasm/dist)")
    ap.add_argument("--tag", default=None, help="Pyodide ABI of the wheel tag, e.g. 2025_0 (default: the pinned one)")
    args = ap.parse_args(argv)
    try:
        build(force=args.force, simd=args.simd, out=os.path.abspath(args.out), abi=args.tag)
    except BuildError as e:
        print(f"build_wheel.py: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
