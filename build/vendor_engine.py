"""Vendor the Pyodide runtime next to the rnncore wheel: .build/engine/{pyodide/, engine.json}

    python build/vendor_engine.py

Copies from the pinned npm package (node_modules/pyodide) exactly the files ``loadPyodide`` fetches when it
starts offline (a module worker in Chromium was seen fetching these five and nothing else; tests/wasm loads
Pyodide from the vendored folder to prove the list is enough), then writes ``engine.json``:
``{"pyodide": "<npm version>", "wheel": "wheels/<sha256[:16]>/<file>.whl", "sha256": "<of the wheel>"}``, which
the site's worker reads. The wheel's folder is named by its content: a rebuilt wheel gets a new URL, so no
browser can keep running a stale copy from its HTTP cache (Pyodide needs the file name itself to end in .whl, so
a query string would not do; engine.json is fetched with revalidation). Run after build/wasm/build_wheel.py
(``make engine`` does both); fails loudly if either input is missing. Files are copied only when they changed,
and stale files are removed.
"""
import hashlib
import json
import os
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "build", "wasm"))
import build_wheel  # noqa: E402  (its output folder)

NPM_PYODIDE = os.path.join(ROOT, "node_modules", "pyodide")
ENGINE = os.path.join(ROOT, ".build", "engine")
RUNTIME_FILES = ["pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"]


class VendorError(Exception):
    pass


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def copy_runtime(src=NPM_PYODIDE, dest=os.path.join(ENGINE, "pyodide")):
    missing = [f for f in RUNTIME_FILES if not os.path.exists(os.path.join(src, f))]
    if missing:
        raise VendorError(f"{', '.join(missing)} missing in {src}: npm ci (the pinned pyodide npm package)")
    os.makedirs(dest, exist_ok=True)
    for f in RUNTIME_FILES:
        s, d = os.path.join(src, f), os.path.join(dest, f)
        if not (os.path.exists(d) and os.path.getsize(d) == os.path.getsize(s)
                and int(os.path.getmtime(d)) == int(os.path.getmtime(s))):
            shutil.copy2(s, d)
    for f in os.listdir(dest):
        if f not in RUNTIME_FILES:
            p = os.path.join(dest, f)
            shutil.rmtree(p) if os.path.isdir(p) else os.remove(p)
    with open(os.path.join(src, "package.json")) as fh:
        return json.load(fh)["version"]


def the_wheel(wheels=build_wheel.OUT):
    found = sorted(f for f in os.listdir(wheels) if f.startswith("rnncore-") and f.endswith(".whl")) \
        if os.path.isdir(wheels) else []
    if len(found) != 1:
        raise VendorError(f"expected one rnncore wheel in {wheels}, found {found or 'none'}: "
                          "run python build/wasm/build_wheel.py first")
    return found[0]


def publish_wheel(wheel, src=build_wheel.OUT, dest=os.path.join(ENGINE, "wheels")):
    """Copy the wheel to dest/<sha256[:16]>/<file> and remove everything else under dest; returns (its path
    relative to the engine folder, its sha256)."""
    digest = sha256(os.path.join(src, wheel))
    folder = os.path.join(dest, digest[:16])
    os.makedirs(folder, exist_ok=True)
    if not os.path.exists(os.path.join(folder, wheel)):
        shutil.copy2(os.path.join(src, wheel), os.path.join(folder, wheel))
    for f in os.listdir(dest):
        if f != digest[:16]:
            p = os.path.join(dest, f)
            shutil.rmtree(p) if os.path.isdir(p) else os.remove(p)
    for f in os.listdir(folder):
        if f != wheel:
            os.remove(os.path.join(folder, f))
    return f"wheels/{digest[:16]}/{wheel}", digest


def main():
    try:
        version = copy_runtime()
        wheel = the_wheel()
    except VendorError as e:
        print(f"vendor_engine.py: error: {e}", file=sys.stderr)
        return 1
    rel, digest = publish_wheel(wheel)
    engine = {"pyodide": version, "wheel": rel, "sha256": digest}
    path = os.path.join(ENGINE, "engine.json")
    text = json.dumps(engine, indent=2) + "\n"
    old = open(path).read() if os.path.exists(path) else None
    if old != text:                                      # keep the mtime when nothing changed
        with open(path, "w") as f:
            f.write(text)
    print(f"[engine] pyodide {version} + {wheel} -> {os.path.relpath(ENGINE, ROOT)}/", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
