"""The Python side of the site's engine worker (``assets/engine/worker.js``): JSON strings in, JSON strings out.

The worker loads Pyodide and the rnncore wheel once, imports this module and calls two functions, each the method
of one object that lives as long as the worker (and holds what the worker keeps between requests):

- ``call(fn, kwargs_json)``: ``rnncore.demos.<fn>(**kwargs)`` for a name in ``demos.__all__``; the result as JSON
  (NaN and infinities, which JSON lacks, become null). The trained models a page sends once and then names by
  key stay in the worker's ``Demos.loaded`` store, passed to every function that takes one.
- ``run(code)``: the playground. Runs ``code`` in one namespace kept for the worker's life (a reader's variables
  survive between runs), with stdout and stderr captured; the value of a last bare expression is returned as its
  ``repr`` (as Pyodide's ``eval_code`` and a REPL do; a trailing ``;`` silences it). Returns
  ``{"stdout", "stderr", "result"}`` as JSON, each text clipped to ``CLIP`` characters. A traceback starts at the
  reader's code.

Plain Python, so it runs natively too (``tests/core/test_worker.py``), and through the core's suite in Pyodide.
"""
import ast
import contextlib
import inspect
import io
import json
import math
import sys
import traceback

import rnncore
from rnncore import demos
from rnncore._requests import LoadedModels

FILENAME = "<playground>"
CLIP = 100_000                      # a runaway print loop must not flood the page


def _finite(obj):
    """JSON has no NaN/Infinity: send them as null."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


class Demos:
    """The demos' side of one worker: the models pages have sent and the training races they started, for the
    worker's life."""

    def __init__(self):
        self.loaded = LoadedModels()
        self.races = demos.Races()

    def call(self, fn, kwargs_json):
        """``rnncore.demos.<fn>(**json.loads(kwargs_json))`` as JSON; only the functions ``demos.__all__`` names."""
        if fn not in demos.__all__:
            raise ValueError(f"rnncore.demos has no function {fn!r}")
        func = getattr(demos, fn)
        kwargs = json.loads(kwargs_json)
        if not isinstance(kwargs, dict):
            raise ValueError(f"the arguments of {fn} must be a JSON object; got {type(kwargs).__name__}")
        stores = {"loaded": self.loaded, "races": self.races}
        for name in stores.keys() & inspect.signature(func).parameters.keys():
            if name in kwargs:                          # the stores are the worker's, never a page's
                raise ValueError(f"{fn} takes no argument {name!r} from a page")
            kwargs[name] = stores[name]
        return json.dumps(_finite(func(**kwargs)), allow_nan=False)


class Playground:
    """One reader's Python session: a namespace that lives as long as the worker."""

    def __init__(self):
        self.namespace = {"__name__": "__main__", "rnncore": rnncore}

    def _execute(self, code):
        """Run ``code``; the repr of its last bare expression, or None."""
        tree = ast.parse(code, FILENAME, "exec")
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr) and not code.rstrip().endswith(";"):
            last = ast.Expression(tree.body.pop().value)
        exec(compile(tree, FILENAME, "exec"), self.namespace)
        if last is not None:
            value = eval(compile(last, FILENAME, "eval"), self.namespace)
            return None if value is None else repr(value)
        return None

    def run(self, code):
        out, err = io.StringIO(), io.StringIO()
        result = None
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                result = self._execute(code)
            except BaseException:                           # the reader's error, shown as Python shows it
                etype, evalue, tb = sys.exc_info()
                while tb is not None and tb.tb_frame.f_code.co_filename != FILENAME:
                    tb = tb.tb_next                         # drop this module's frames
                err.write("".join(traceback.format_exception(etype, evalue, tb)))
        return json.dumps({"stdout": _clip(out.getvalue()), "stderr": _clip(err.getvalue()), "result": _clip(result)})


def _clip(text, limit=CLIP):
    """The start of ``text`` and how much was cut."""
    if text is None or len(text) <= limit:
        return text
    return text[:limit] + f"\n… ({len(text) - limit} more characters not shown)\n"


call = Demos().call
run = Playground().run
