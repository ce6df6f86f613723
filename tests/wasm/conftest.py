"""Fixtures of the wasm tests: the built engine (wheel + vendored Pyodide), Node.js, and a way to run Python in
Pyodide (one Node.js process per call: ~2-3 s of startup, so each test module starts as few as it can).

The engine is (re)built through the project's own commands (build/wasm/build_wheel.py, build/vendor_engine.py),
which do nothing when it is up to date; a build failure fails these tests, it never skips them.
"""
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ENGINE = os.path.join(ROOT, ".build", "engine")
PYODIDE_029 = os.path.join(ROOT, "node_modules", "pyodide-0.29")
# Pure-Python distributions pytest needs inside Pyodide, copied from this interpreter's site-packages.
PYTEST_DISTS = ["pytest", "pluggy", "iniconfig", "packaging", "pygments"]

sys.path.insert(0, os.path.join(ROOT, "build", "wasm"))
if HERE not in sys.path:                 # pyodide_parity is imported natively too (also under --import-mode=importlib)
    sys.path.insert(0, HERE)
import build_wheel  # noqa: E402
import toolchain  # noqa: E402,F401  (for the test modules: build/wasm is on sys.path from here)
from shtest import exclusive  # noqa: E402


def _run(cmd, timeout=600):
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        pytest.fail(f"$ {' '.join(cmd)}\n{proc.stdout}\n{proc.stderr}", pytrace=False)
    return proc.stdout


@pytest.fixture(scope="session")
def node():
    exe = shutil.which("node")
    if not exe:
        pytest.fail("node not found: apt-get install nodejs (Node.js >= 18 runs Pyodide)", pytrace=False)
    return exe


@pytest.fixture(scope="session")
def engine():
    """The built engine: {"dir", "pyodide" (the vendored runtime dir), "wheel" (abs path), "json" (engine.json)}."""
    with exclusive("engine"):           # both workers write .build/engine when it is out of date
        _run([sys.executable, os.path.join(ROOT, "build", "wasm", "build_wheel.py")])
        _run([sys.executable, os.path.join(ROOT, "build", "vendor_engine.py")])
    with open(os.path.join(ENGINE, "engine.json")) as f:
        meta = json.load(f)
    return {"dir": ENGINE, "pyodide": os.path.join(ENGINE, "pyodide"),
            "wheel": os.path.join(ENGINE, meta["wheel"]), "json": meta}


@pytest.fixture(scope="session")
def wheel_029(engine, tmp_path_factory):
    """The same wheel (same .so files) tagged for Pyodide 0.29's ABI, as a 0.29 user would install it."""
    with open(os.path.join(PYODIDE_029, "pyodide-lock.json")) as f:
        abi = json.load(f)["info"]["abi_version"]
    return build_wheel.retag_wheel(engine["wheel"], str(tmp_path_factory.mktemp("wheel029")), abi)


@pytest.fixture(scope="session")
def testing_site():
    """A directory holding pytest and its pure-Python dependencies, mountable in Pyodide."""
    dest = os.path.join(ROOT, ".build", "wasm", "pytest-site")
    stamp = os.path.join(dest, "VERSIONS")
    want = " ".join(f"{d}=={importlib.metadata.version(d)}" for d in PYTEST_DISTS)
    with exclusive("pytest-site"):
        if not (os.path.exists(stamp) and open(stamp).read() == want):
            _copy_dists(dest, stamp, want)
    return dest


def _copy_dists(dest, stamp, want):
    if os.path.isdir(dest):
        shutil.rmtree(dest)
    for name in PYTEST_DISTS:
        dist = importlib.metadata.distribution(name)
        for f in dist.files:
            rel = str(f)
            if rel.startswith("..") or "__pycache__" in rel or rel.endswith((".pyc", ".so")):
                continue
            src = dist.locate_file(f)
            if os.path.isfile(src):
                os.makedirs(os.path.dirname(os.path.join(dest, rel)), exist_ok=True)
                shutil.copyfile(src, os.path.join(dest, rel))
    with open(stamp, "w") as f:
        f.write(want)


def run_in_pyodide(node, pyodide_dir, code, wheels=(), mounts=None, timeout=300):
    """Start Pyodide from ``pyodide_dir`` in Node.js, install ``wheels``, run ``code``; return the runner's dict
    (``result`` is the value of the code's last expression). Fails the test with Python's traceback on error."""
    import tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({"pyodide": pyodide_dir, "wheels": list(wheels), "mounts": mounts or {}, "code": code}, f)
    try:
        proc = subprocess.run([node, os.path.join(HERE, "run_pyodide.mjs"), f.name],
                              capture_output=True, text=True, timeout=timeout)
    finally:
        os.unlink(f.name)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        pytest.fail(f"node exited {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}", pytrace=False)
    out = json.loads(lines[-1])
    if not out["ok"]:
        pytest.fail(f"in Pyodide ({pyodide_dir}):\n{out['error']}\n{out.get('stderr', '')}", pytrace=False)
    return out


@pytest.fixture(scope="session")
def pyodide_runner(node):
    def run(pyodide_dir, code, **kw):
        return run_in_pyodide(node, pyodide_dir, code, **kw)
    return run
