"""The core's own test suite (tests/core), run inside Pyodide against the wasm wheel: its numpy-free part.

Selection and bookkeeping: tests/wasm/pyodide_pytest.py. Guards against a silently empty run: at least one test
must pass, and every rnncore submodule except the numpy oracle must import without numpy.
Pyodide 0.29 installs the wheel re-tagged for its ABI (``2025_0``), as a course author on 0.29 would.
"""
import json
import os

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

CODE = """
import sys
sys.path[:0] = ["/mnt/pytest-site", "/mnt/wasmtests"]
import pyodide_pytest
pyodide_pytest.main(["/mnt/tests/core"])
"""


@pytest.mark.parametrize("runtime", ["pinned", "0.29"])
def test_core_suite_numpy_free_part_passes_in_pyodide(runtime, engine, pyodide_runner, testing_site, request):
    if runtime == "pinned":
        pyodide_dir, wheel = engine["pyodide"], engine["wheel"]
    else:
        pyodide_dir, wheel = os.path.join(ROOT, "node_modules", "pyodide-0.29"), request.getfixturevalue("wheel_029")
    out = pyodide_runner(pyodide_dir, CODE, wheels=[wheel],
                         mounts={"/mnt/pytest-site": testing_site, "/mnt/wasmtests": HERE,
                                 "/mnt/tests/core": os.path.join(ROOT, "tests", "core")})
    res = json.loads(out["result"])
    print(f"in Pyodide {out['python']}: {len(res['passed'])} passed, {len(res['failed'])} failed, "
          f"{res['skipped']} skipped (need numpy), {len(res['deselected'])} deselected; numpy-only modules: "
          f"{res['numpy_only']}")
    assert not res["failed"], "\n\n".join(f"{k}\n{v}" for k, v in res["failures"].items())
    assert res["passed"], f"no test of tests/core ran in Pyodide (exit {res['exit']}):\n{out['stdout'][-3000:]}"
    assert set(res["numpy_only"]) <= {"rnncore.reference"}, res["numpy_only"]
