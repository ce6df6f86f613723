"""Run the core's own test suite (tests/core) inside Pyodide, where the compiled core is the wasm wheel and numpy
does not exist. Imported inside Pyodide by tests/wasm/test_core_suite_in_pyodide.py; not a test module itself.

Which tests run: the numpy-free ones, selected automatically, so the selection follows tests/core as it grows:

(a) Every ``rnncore`` submodule is imported first, while ``import numpy`` fails, exactly as on a reader's page
    (so ``rnncore.train.HAVE_NUMPY`` is False). Submodules that cannot import without numpy (the numpy oracle
    ``rnncore.reference``) are noted as numpy-only.
(b) Then ``numpy``, ``torch``, ``scipy``, ``hypothesis`` become stand-in modules: importing them works, and the
    first use of one of their attributes *skips* the test ("needs numpy"), or the whole module when that happens
    at import time. A use from inside ``rnncore`` itself (other than the numpy-only submodules) *fails* the test:
    code the browser runs must not need numpy.
(c) Deselected up front: items parametrised with the value ``"numpy"`` (the numpy-path half of a both-paths
    fixture), items marked ``numpy``/``needs_numpy``, and tests whose source or fixtures' source starts a
    ``subprocess`` (Pyodide has no processes).
(d) Turned into skips after the fact, as numpy-only by their own words: a failure whose exception says it needs
    numpy (``RuntimeError("save: writing .npz needs numpy")``), and a test using an ndarray-only attribute on
    what the numpy-free API returns (``AttributeError: 'memoryview' object has no attribute 'size'``).

``main(args)`` returns a JSON summary: counts per outcome, the passed and failed node ids, and failure texts.
"""
import importlib
import inspect
import json
import pkgutil
import sys
import types

OPTIONAL = ("numpy", "torch", "scipy", "hypothesis")


def preimport_rnncore():
    """(a): import every rnncore submodule without numpy; return the names that need numpy."""
    import rnncore
    numpy_only = []
    for info in pkgutil.walk_packages(rnncore.__path__, "rnncore."):
        try:
            importlib.import_module(info.name)
        except ImportError as e:
            if getattr(e, "name", None) in OPTIONAL or "numpy" in str(e):
                numpy_only.append(info.name)
            else:
                raise
    return numpy_only


class _Missing(types.ModuleType):
    """(b): a module that is not there; using it skips the calling test (or fails it, if rnncore uses it)."""

    def __init__(self, name, numpy_only):
        super().__init__(name)
        self._numpy_only = numpy_only

    def __bool__(self):
        return False

    def __getattr__(self, attr):
        if attr.startswith("__") or attr == "_numpy_only":
            raise AttributeError(attr)
        import pytest
        caller = sys._getframe(1).f_globals.get("__name__", "")
        if caller.split(".")[0] in ("_pytest", "pytest", "pluggy"):
            # pytest.approx probes sys.modules["numpy"]: answer "no array here", as if numpy were absent
            if attr == "isscalar":
                return lambda obj: False
            if attr in ("ndarray", "bool_", "generic", "integer", "floating"):
                return type("_NotAnArray", (), {})
            raise AttributeError(attr)
        if caller.split(".")[0] == "rnncore" and caller not in self._numpy_only:
            raise AssertionError(f"{caller} used {self.__name__}.{attr} inside Pyodide: the browser has no {self.__name__}")
        raise pytest.skip.Exception(f"needs {self.__name__} (not in Pyodide)", allow_module_level=True)


def install_stand_ins(numpy_only):
    for name in OPTIONAL:
        sys.modules[name] = _Missing(name, numpy_only)


class NumpyFreePlugin:
    """(c) and the bookkeeping of the summary."""

    def __init__(self):
        self.reports = {}
        self.deselected = []

    def pytest_pycollect_makemodule(self, module_path, parent):
        import pytest

        class Module(pytest.Module):
            def _getobj(self):
                try:
                    return super()._getobj()
                except self.CollectError as e:                   # e.g. `from numpy.testing import ...`
                    if any(f"No module named '{m}" in str(e) for m in OPTIONAL):
                        raise pytest.skip.Exception("needs numpy (not in Pyodide)", allow_module_level=True)
                    raise
        return Module.from_parent(parent, path=module_path)

    def pytest_collection_modifyitems(self, config, items):
        keep, drop = [], []
        for item in items:
            params = getattr(getattr(item, "callspec", None), "params", {})
            marked = item.get_closest_marker("numpy") or item.get_closest_marker("needs_numpy")
            src = _source(getattr(item, "function", None))
            info = getattr(item, "_fixtureinfo", None)
            for defs in (info.name2fixturedefs.values() if info else ()):
                src += "".join(_source(getattr(d, "func", None)) for d in defs)
            if marked or "numpy" in [v for v in params.values() if isinstance(v, str)] or "subprocess." in src:
                drop.append(item)
            else:
                keep.append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
            self.deselected = [i.nodeid for i in drop]
        items[:] = keep

    def pytest_runtest_makereport(self, item, call):
        """(d): numpy-only by the failure's own words -> skipped."""
        exc = call.excinfo.value if call.excinfo else None
        if exc is None:
            return None
        text = str(exc)
        numpy_only = (isinstance(exc, (RuntimeError, ImportError, NotImplementedError)) and "numpy" in text) or \
            (isinstance(exc, AttributeError) and "'memoryview' object has no attribute" in text)
        if not numpy_only:
            return None
        from _pytest.reports import TestReport
        rep = TestReport.from_item_and_call(item, call)
        rep.outcome = "skipped"
        rep.longrepr = (str(item.path), item.location[1] or 0, f"Skipped: needs numpy ({type(exc).__name__}: {text})")
        return rep

    def pytest_runtest_logreport(self, report):
        if report.when == "call" or report.outcome != "passed":
            prev = self.reports.get(report.nodeid)
            if prev is None or prev.outcome == "passed":
                self.reports[report.nodeid] = report

    def pytest_collectreport(self, report):
        if report.outcome == "failed":
            self.reports[report.nodeid or "<collection>"] = report


def _source(func):
    try:
        return inspect.getsource(func) if func is not None else ""
    except (OSError, TypeError):
        return ""


def main(args):
    sys.dont_write_bytecode = True
    numpy_only = preimport_rnncore()
    install_stand_ins(numpy_only)
    import pytest
    plugin = NumpyFreePlugin()
    code = pytest.main(["-p", "no:cacheprovider", "-p", "no:faulthandler", "-q", "--color=no", *args],
                       plugins=[plugin])
    outcome = {"passed": [], "failed": [], "skipped": []}
    failures = {}
    for nodeid, rep in plugin.reports.items():
        outcome[rep.outcome].append(nodeid)
        if rep.outcome == "failed":
            failures[nodeid] = str(rep.longrepr)[-3000:]
    return json.dumps({"exit": int(code), "numpy_only": numpy_only, "deselected": plugin.deselected,
                       "passed": sorted(outcome["passed"]), "failed": sorted(outcome["failed"]),
                       "skipped": len(outcome["skipped"]), "failures": failures})
