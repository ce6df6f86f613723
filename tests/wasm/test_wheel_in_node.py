"""The rnncore wasm wheel in Node.js: its layout, its link against Pyodide, and its numbers against the native core.

Runtimes: the pinned Pyodide as vendored into .build/engine/pyodide (so the vendored file list is proven
sufficient) and Pyodide 0.29.x (node_modules/pyodide-0.29) loading the same wheel file (one abi3 wheel serves
both; the copy re-tagged for 0.29's ABI is exercised by test_core_suite_in_pyodide.py).
One Node.js process per runtime runs every parity case (tests/wasm/pyodide_parity.py); the native results are
computed here, in the pytest process, by the natively compiled core.
"""
import hashlib
import importlib.util
import json
import os
import random
import re
import zipfile

import pytest

import build_wheel
import toolchain

# `make test` runs two pytest-xdist workers: this module's tests run on one of them, which starts
# each runtime's parity run once.
pytestmark = pytest.mark.xdist_group("wasm-parity")

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PKG_DIR = os.path.join(ROOT, "core", "rnncore")
PYODIDE_029 = os.path.join(ROOT, "node_modules", "pyodide-0.29")
RUNTIME_FILES = ["pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"]

# (rtol, atol) of wasm vs native: the same C, compiled by two compilers (no FMA contraction either side).
TOL = {"float64": (1e-12, 1e-13), "float32": (2e-5, 2e-6)}
CELLS = ["rnn", "lstm", "gru"]
SHAPES = [(1, 1, 1, 1), (5, 3, 4, 6), (2, 13, 20, 37)]   # (T, B, I, H); B = 13: the kernels' wide-batch paths
CASES = [(c, d, bi, s) for c in CELLS for d in ("float64", "float32") for bi in (False, True) for s in SHAPES]
# stacked layers with dropout (training mode), batch_first and lengths: (num_layers, batch_first, lengths)
STACKED = {"L2-bf-len": (2, True, [3, 5, 1]), "L3-len": (3, False, [5, 2, 4])}
CASES += [(c, "float64", bi, (5, 3, 4, 6), k) for c in CELLS for bi in (False, True) for k in STACKED]


def case_id(cell, dtype, bi, shape, stacked=None):
    return f"{cell}-{dtype}-{'bi' if bi else 'uni'}-{'x'.join(map(str, shape))}" + (f"-{stacked}" if stacked else "")


# --- the engine's files -----------------------------------------------------------------------------------------


def test_engine_json_points_at_the_wheel(engine):
    meta = engine["json"]
    assert set(meta) >= {"pyodide", "wheel", "sha256"}
    with open(os.path.join(ROOT, "node_modules", "pyodide", "package.json")) as f:
        assert meta["pyodide"] == json.load(f)["version"]
    assert re.fullmatch(r"wheels/([0-9a-f]{16})/rnncore-[^-]+-cp311-abi3-pyemscripten_2026_0_wasm32\.whl",
                        meta["wheel"])
    assert meta["wheel"].split("/")[1] == meta["sha256"][:16], "the wheel's folder is named by its content"
    assert os.listdir(os.path.dirname(os.path.dirname(engine["wheel"]))) == [meta["sha256"][:16]], "stale wheels"
    with open(engine["wheel"], "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == meta["sha256"]
    for name in RUNTIME_FILES:
        assert os.path.getsize(os.path.join(engine["pyodide"], name)) > 0, name


def test_wheel_holds_the_whole_package_compiled(engine):
    with zipfile.ZipFile(engine["wheel"]) as zf:
        names = set(zf.namelist())
        wheel_meta = zf.read(next(n for n in names if n.endswith(".dist-info/WHEEL"))).decode()
    pyx, py = [], []
    for dirpath, dirnames, files in os.walk(PKG_DIR):
        dirnames[:] = [d for d in dirnames if d not in ("__pycache__", "tests")]
        rel = os.path.relpath(dirpath, os.path.dirname(PKG_DIR))
        pyx += [os.path.join(rel, f[:-4]) for f in files if f.endswith(".pyx")]
        py += [os.path.join(rel, f) for f in files if f.endswith(".py")]
    assert pyx, "no Cython sources found"
    for mod in pyx:
        assert mod + ".abi3.so" in names, f"{mod}.pyx not compiled into the wheel"
    for f in py:
        assert f in names, f"{f} missing from the wheel"
    assert not [n for n in names if n.endswith((".pyx", ".pxd", ".c", ".o")) or "/tests/" in n]
    assert "Root-Is-Purelib: false" in wheel_meta and "Tag: cp311-abi3-pyemscripten_2026_0_wasm32" in wheel_meta


@pytest.mark.parametrize("runtime", ["pyodide", "pyodide-0.29"])
def test_wasm_imports_resolve_against_the_runtime(engine, runtime, tmp_path):
    """Every import of every side module exists in pyodide.asm.wasm with the same signature (the time_t trap)."""
    main_wasm = os.path.join(ROOT, "node_modules", runtime, "pyodide.asm.wasm")
    with zipfile.ZipFile(engine["wheel"]) as zf:
        sos = [n for n in zf.namelist() if n.endswith(".so")]
        problems = []
        for n in sos:
            path = tmp_path / n.replace("/", "_")
            path.write_bytes(zf.read(n))
            problems += [f"{n}: {p}" for p in toolchain.check_imports(str(path), main_wasm)]
    assert sos and not problems, "\n".join(problems)


def _wasm_with_import(module, name, params, results):
    """A minimal wasm binary that imports one function (to test the checker without a compiler)."""
    def vec(items):
        return bytes([len(items)]) + b"".join(items)

    def s(text):
        return bytes([len(text)]) + text.encode()
    vt = {"i32": 0x7F, "i64": 0x7E}
    functype = b"\x60" + vec([bytes([vt[p]]) for p in params]) + vec([bytes([vt[r]]) for r in results])
    types = vec([functype])
    imports = vec([s(module) + s(name) + b"\x00\x00"])
    return (b"\0asm\x01\0\0\0" + b"\x01" + bytes([len(types)]) + types
            + b"\x02" + bytes([len(imports)]) + imports)


def test_import_check_catches_a_32bit_time_t(tmp_path):
    """Emscripten 3.1.6's `time_t time(time_t*)` without the shadow header: (i32)->(i32); Pyodide's: (i32)->(i64)."""
    main_wasm = os.path.join(ROOT, "node_modules", "pyodide", "pyodide.asm.wasm")
    bad, good = tmp_path / "bad.so", tmp_path / "good.so"
    bad.write_bytes(_wasm_with_import("env", "time", ["i32"], ["i32"]))
    good.write_bytes(_wasm_with_import("env", "time", ["i32"], ["i64"]))
    problems = toolchain.check_imports(str(bad), main_wasm)
    assert problems and "time" in problems[0] and "(i32)->(i64)" in problems[0]
    assert toolchain.check_imports(str(good), main_wasm) == []


@pytest.mark.parametrize("runtime", ["pyodide", "pyodide-0.29"])
def test_pyconfig_is_regenerated_for_wasm32(runtime):
    import sysconfig
    zip_path = os.path.join(ROOT, "node_modules", runtime, "python_stdlib.zip")
    with open(toolchain.host_pyconfig(sysconfig.get_paths()["include"])) as f:
        text = toolchain.wasm_pyconfig(f.read(), toolchain.pyodide_build_vars(zip_path))
    for line in ("#define SIZEOF_LONG 4", "#define SIZEOF_VOID_P 4", "#define SIZEOF_SIZE_T 4",
                 "#define SIZEOF_TIME_T 8", "/* #undef WITH_PYMALLOC */", "#define Py_PYCONFIG_H"):
        assert line in text.splitlines(), line
    assert "#define SIZEOF_LONG 8" not in text


def test_debian_multiarch_pyconfig_is_followed(tmp_path):
    """Debian's python3-dev puts a wrapper in /usr/include/python3.X/pyconfig.h that #includes the real file
    from /usr/include/<multiarch>/python3.X/; rewriting the wrapper would leave the host's sizes in force."""
    include = tmp_path / "include" / "python3.11"
    real = tmp_path / "include" / "x86_64-linux-gnu" / "python3.11" / "pyconfig.h"
    real.parent.mkdir(parents=True)
    include.mkdir(parents=True)
    (include / "pyconfig.h").write_text("#if defined(__x86_64__) && defined(__LP64__)\n"
                                        "#  include <x86_64-linux-gnu/python3.11/pyconfig.h>\n#endif\n")
    real.write_text("#define SIZEOF_LONG 8\n")
    assert toolchain.host_pyconfig(str(include), "x86_64-linux-gnu") == str(real)
    (include / "pyconfig.h").write_text("#define SIZEOF_LONG 8\n")         # a from-source CPython: in place
    assert toolchain.host_pyconfig(str(include), "x86_64-linux-gnu") == str(include / "pyconfig.h")
    debian = "/usr/include/python3.11"                 # this machine's own python3-dev, when installed
    if os.path.isfile(os.path.join(debian, "pyconfig.h")) and os.uname().machine == "x86_64":
        with open(toolchain.host_pyconfig(debian, "x86_64-linux-gnu")) as f:
            assert "#define SIZEOF_LONG 8" in f.read()


def test_shadow_header_widens_time_t(tmp_path):
    import shutil
    emcc = shutil.which("emcc")
    if not emcc:
        pytest.fail("emcc not found: apt-get install emscripten")
    inc = toolchain.shadow_alltypes(toolchain.emscripten_sysroot(emcc), str(tmp_path))
    text = open(os.path.join(inc, "bits", "alltypes.h")).read()
    assert "typedef long long time_t;" in text and "typedef long long suseconds_t;" in text
    assert "typedef long time_t;" not in text


def test_build_is_incremental(monkeypatch, tmp_path):
    """The wheel is rebuilt exactly when an input (source, build script, runtime) is newer than it."""
    src, wheel = tmp_path / "lstm.pyx", tmp_path / "w.whl"
    src.write_text("")
    wheel.write_bytes(b"")
    monkeypatch.setattr(build_wheel, "input_files", lambda: [str(src)])
    os.utime(src, (1000, 1000))
    os.utime(wheel, (2000, 2000))
    assert build_wheel.up_to_date(str(wheel))
    os.utime(src, (3000, 3000))
    assert not build_wheel.up_to_date(str(wheel))
    assert not build_wheel.up_to_date(str(tmp_path / "missing.whl"))


def test_build_fails_loudly_without_emcc(tmp_path):
    import subprocess
    import sys
    env = dict(os.environ, EMCC="/nonexistent/emcc")
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "build", "wasm", "build_wheel.py"), "--force",
                           "--out", str(tmp_path)], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode != 0
    assert "emcc not found: apt-get install emscripten" in proc.stderr
    assert not list(tmp_path.iterdir())


def test_vendor_fails_loudly_without_a_wheel(tmp_path):
    import importlib.util
    spec = importlib.util.spec_from_file_location("vendor_engine", os.path.join(ROOT, "build", "vendor_engine.py"))
    vendor_engine = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(vendor_engine)
    with pytest.raises(vendor_engine.VendorError, match="build_wheel.py first"):
        vendor_engine.the_wheel(str(tmp_path))
    with pytest.raises(vendor_engine.VendorError, match="npm ci"):
        vendor_engine.copy_runtime(str(tmp_path), str(tmp_path / "out"))


def test_a_rebuilt_wheel_gets_a_new_url_and_the_old_one_goes(tmp_path):
    """The wheel's folder in the engine is its content hash: a browser's HTTP cache can never serve an old wheel
    under the new engine.json, and the old folder is not shipped."""
    spec = importlib.util.spec_from_file_location("vendor_engine", os.path.join(ROOT, "build", "vendor_engine.py"))
    vendor_engine = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(vendor_engine)
    src, dest = tmp_path / "dist", tmp_path / "engine" / "wheels"
    src.mkdir()
    name = "rnncore-0.1.0-cp311-abi3-pyemscripten_2026_0_wasm32.whl"
    (src / name).write_bytes(b"first build")
    first, digest = vendor_engine.publish_wheel(name, str(src), str(dest))
    assert first == f"wheels/{digest[:16]}/{name}" and digest == hashlib.sha256(b"first build").hexdigest()
    assert vendor_engine.publish_wheel(name, str(src), str(dest))[0] == first, "same content, same URL"
    (src / name).write_bytes(b"second build")
    second, _ = vendor_engine.publish_wheel(name, str(src), str(dest))
    assert second != first
    assert os.listdir(dest) == [second.split("/")[1]]
    assert (tmp_path / "engine" / second).read_bytes() == b"second build"


def test_inputs_cover_sources_and_build_scripts():
    files = set(build_wheel.input_files())
    for rel in ("build/wasm/build_wheel.py", "build/wasm/toolchain.py", "node_modules/pyodide/pyodide.asm.wasm"):
        assert os.path.join(ROOT, rel) in files, rel
    assert any(f.endswith(".pyx") for f in files) and any(f.endswith(".pxd") for f in files)


# --- parity with the native core --------------------------------------------------------------------------------


def _nested(rng, shape):
    if len(shape) == 1:
        return [rng.uniform(-1, 1) for _ in range(shape[0])]
    return [_nested(rng, shape[1:]) for _ in range(shape[0])]


def _tolist(v):
    if hasattr(v, "tolist"):
        return v.tolist()
    if isinstance(v, dict):
        return {k: _tolist(w) for k, w in v.items()}
    if isinstance(v, (list, tuple)):
        return [_tolist(w) for w in v]
    return v


@pytest.fixture(scope="module")
def golden():
    """Inputs and native outputs of every case (the natively compiled core, in this process)."""
    import rnncore
    cases = {}
    for n, (cell, dtype, bi, (T, B, I, H), *stacked) in enumerate(CASES):
        rng = random.Random(1000 + n)
        D = 2 if bi else 1
        L, bf, lengths = STACKED[stacked[0]] if stacked else (1, False, None)
        opts = {"num_layers": L, "batch_first": bf, "dropout": 0.3 if L > 1 else 0.0, "lengths": lengths}
        cls = {"rnn": rnncore.RNN, "lstm": rnncore.LSTM, "gru": rnncore.GRU}[cell]
        m = cls(input_size=I, hidden_size=H, bidirectional=bi, dtype=dtype, seed=n, num_layers=L, batch_first=bf,
                dropout=opts["dropout"])
        lead = (B, T) if bf else (T, B)
        x = _nested(rng, lead + (I,))
        big = T > 1
        if big:
            state = [_nested(rng, (D * L, B, H)), _nested(rng, (D * L, B, H))] if cell == "lstm" else \
                _nested(rng, (D * L, B, H))
            dstate = [_nested(rng, (D * L, B, H)), _nested(rng, (D * L, B, H))] if cell == "lstm" else \
                _nested(rng, (D * L, B, H))
        else:
            state = dstate = None
        dy = _nested(rng, lead + (D * H,))
        y, final = m.forward(x, state=tuple(state) if (state and cell == "lstm") else state, lengths=lengths)
        gates = _tolist(m.gates_by_layer if L > 1 else m.gates)
        grads, dx, dstate0 = m.backward(dy, dstate=tuple(dstate) if (dstate and cell == "lstm") else dstate)
        cases[case_id(cell, dtype, bi, (T, B, I, H), *stacked)] = {
            "cell": cell, "dtype": dtype, "bidirectional": bi, "I": I, "H": H, "seed": n, **opts,
            "params": _tolist(m.params), "x": x, "state": state, "dy": dy, "dstate": dstate,
            "want": {"y": _tolist(y), "state": _tolist(final), "grads": _tolist(grads), "dx": _tolist(dx),
                     "dstate0": _tolist(dstate0), "grad_h_norms": _tolist(m.grad_h_norms),
                     "grad_h_norms_by_layer": _tolist(m.grad_h_norms_by_layer), "gates": gates}}
    return cases


PY_PARITY = """
import sys
sys.path.insert(0, "/mnt/wasmtests")
import pyodide_parity
pyodide_parity.main("/mnt/job/golden.json")
"""


@pytest.fixture(scope="module", params=["pinned", "0.29"])
def wasm_run(request, engine, golden, pyodide_runner, tmp_path_factory):
    """One Node.js process per runtime: every case's outputs from the wasm wheel."""
    # 0.29 gets the very file the site ships (loadPackage does not check the tag: one abi3 wheel serves both);
    # test_core_suite_in_pyodide.py installs the copy re-tagged 2025_0 instead.
    pyodide_dir = engine["pyodide"] if request.param == "pinned" else PYODIDE_029
    job = tmp_path_factory.mktemp("parity")
    (job / "golden.json").write_text(json.dumps({k: {kk: vv for kk, vv in c.items() if kk != "want"}
                                                 for k, c in golden.items()}))
    out = pyodide_runner(pyodide_dir, PY_PARITY, wheels=[engine["wheel"]], mounts={"/mnt/wasmtests": HERE, "/mnt/job": str(job)})
    print(f"\n[{request.param}] Python {out['python']}: Pyodide start {out['ms']['start']} ms, "
          f"wheel {out['ms']['wheels']} ms, {len(golden)} cases {out['ms']['run']} ms")
    res = json.loads(out["result"])
    res["_meta"] = out
    return res


def _assert_close(got, want, rtol, atol, where):
    if isinstance(want, dict):
        assert isinstance(got, dict) and sorted(got) == sorted(want), f"{where}: keys {sorted(got)} != {sorted(want)}"
        for k in want:
            _assert_close(got[k], want[k], rtol, atol, f"{where}.{k}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), f"{where}: length {len(got)} != {len(want)}"
        for i, (g, w) in enumerate(zip(got, want)):
            _assert_close(g, w, rtol, atol, f"{where}[{i}]")
    elif want is None or isinstance(want, (str, bool)):
        assert got == want, f"{where}: wasm {got!r} vs native {want!r}"
    else:
        assert abs(got - want) <= atol + rtol * abs(want), f"{where}: wasm {got!r} vs native {want!r}"


def test_runs_without_numpy_in_the_expected_python(wasm_run, request):
    meta = wasm_run["_meta"]
    assert wasm_run["_numpy_imported"] is False
    want = "3.14" if "pinned" in request.node.callspec.id else "3.13"
    assert meta["python"].startswith(want), meta["python"]


@pytest.mark.parametrize("key", [case_id(*c) for c in CASES])
def test_forward_backward_match_native(wasm_run, golden, key):
    got = wasm_run[key]
    assert "error" not in got, got.get("error")
    want = golden[key]["want"]
    rtol, atol = TOL[golden[key]["dtype"]]
    for part in ("y", "state", "gates", "grads", "dx", "dstate0", "grad_h_norms", "grad_h_norms_by_layer"):
        _assert_close(got[part], want[part], rtol, atol, f"{key}.{part}")


@pytest.fixture(scope="module")
def native_demos():
    import pyodide_parity
    return pyodide_parity.demo_calls()


def test_demo_functions_match_native(wasm_run, native_demos):
    """rnncore.demos, what the site's pages call, gives the native results in Pyodide (numpy-free path)."""
    got = wasm_run["_demos"]
    assert "error" not in got, got.get("error")
    for name, want in native_demos.items():
        _assert_close(got[name], want, 1e-9, 1e-12, name)
