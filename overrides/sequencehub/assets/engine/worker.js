// The one Web Worker that runs Python: Pyodide + the compiled rnncore wheel, loaded once.
//
// A MODULE worker (a classic worker with importScripts hangs, see PYODIDE.md). Everything is found relative to
// this file: site/assets/sequencehub/engine/worker.js -> site/engine/ (runtime, engine.json, wheel, models).
//
// Two roles, one worker each (client.js starts them): "demos" answers every demo and quiz on the page, and
// "playground" runs the reader's own code, so that code can never change a demo's result or a quiz's grade.
// Either way, lockdown.js has removed the storage APIs first: nothing run here outlives the page.
//
// Protocol (client.js is the only sender):
//   in : {type: "boot", role}             role "demos" | "playground": what this worker will accept
//        {id, type: "call", fn, kwargs}   -> rnncore.demos.<fn>(**kwargs)          (role "demos" only)
//        {id, type: "run", code}          -> playground code, stdout/stderr captured (role "playground" only)
//   out: {type: "status", stage, message} loading stages: fetch, start, wheel, import, ready | error
//        {id, ok: true, result} | {id, ok: false, error: {name, message}}

import "./lockdown.js";

const ENGINE_URL = new URL("../../../engine/", import.meta.url);
const ACCEPTS = { demos: "call", playground: "run" };
let role = null;

const PY_GLUE = `
import io, json, math, sys, traceback, contextlib
import rnncore
import rnncore.demos as _demos

def _finite(obj):
    # JSON has no NaN/Infinity: send them as null.
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj

def _sh_call(fn, kwargs_json):
    f = getattr(_demos, fn, None) if not fn.startswith("_") else None
    if f is None or fn not in getattr(_demos, "__all__", [fn]):
        raise ValueError(f"rnncore.demos has no function {fn!r}")
    return json.dumps(_finite(f(**json.loads(kwargs_json))))

_sh_namespace = {"__name__": "__main__", "rnncore": rnncore}

def _sh_run(code):
    from pyodide.code import eval_code
    out, err = io.StringIO(), io.StringIO()
    result = None
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            value = eval_code(code, _sh_namespace, filename="<playground>")
            if value is not None:
                result = repr(value)
        except BaseException:
            etype, evalue, tb = sys.exc_info()
            # Start the traceback at the reader's code, dropping the frames of this glue and of eval_code.
            start = tb
            while start is not None and start.tb_frame.f_code.co_filename != "<playground>":
                start = start.tb_next
            keep = traceback.format_exception(etype, evalue, start)
            err.write("".join(keep))
    return json.dumps({"stdout": _clip(out.getvalue()), "stderr": _clip(err.getvalue()), "result": _clip(result)})

def _clip(text, limit=100_000):
    # a runaway print loop must not flood the page: keep the start and say what was cut
    if text is None or len(text) <= limit:
        return text
    return text[:limit] + f"\\n… ({len(text) - limit} more characters not shown)\\n"
`;

let ready = null;   // the cached promise of a Pyodide with rnncore imported

function status(stage, message) {
  postMessage({ type: "status", stage, message });
}

async function fetchJSON(url) {
  // revalidated: engine.json names the wheel's content-hashed folder, so it must never be a stale copy
  const response = await fetch(url, { cache: "no-cache" });
  if (!response.ok) throw new Error(`${url.pathname} could not be loaded (HTTP ${response.status})`);
  return response.json();
}

async function boot() {
  status("fetch", "fetching the Python runtime…");
  const [{ loadPyodide }, engine] = await Promise.all([
    import(new URL("pyodide/pyodide.mjs", ENGINE_URL).href),
    fetchJSON(new URL("engine.json", ENGINE_URL)),
  ]);
  status("start", "starting Python…");
  const pyodide = await loadPyodide({ indexURL: new URL("pyodide/", ENGINE_URL).href });
  status("wheel", "loading the compiled core…");
  const problems = [];
  await pyodide.loadPackage(new URL(engine.wheel, ENGINE_URL).href, {
    messageCallback: () => {},
    errorCallback: (message) => problems.push(message),
  });
  if (problems.length) throw new Error(`the compiled core could not be loaded: ${problems.join("; ")}`);
  status("import", "importing rnncore…");
  await pyodide.runPythonAsync(PY_GLUE);
  return {
    pyodide,
    call: pyodide.globals.get("_sh_call"),
    run: pyodide.globals.get("_sh_run"),
  };
}

function engine() {
  if (!ready) {
    ready = boot().then(
      (py) => { status("ready", "ready"); return py; },
      (err) => { status("error", String((err && err.message) || err)); throw err; },
    );
  }
  return ready;
}

function describe(err) {
  // A Python exception arrives as a PythonError whose message is the whole traceback: keep its last line.
  const text = String(err && err.message ? err.message : err);
  if (err && err.name === "PythonError") {
    const lines = text.trim().split("\n");
    const last = lines[lines.length - 1];
    const [, type, rest] = last.match(/^(\w+(?:\.\w+)*): ([\s\S]*)$/) || [null, "", last];
    // rnncore's ValueErrors are written for the reader ("the sequence is empty: ..."): show them as they are
    return { name: "PythonError", pythonType: type, message: type === "ValueError" ? rest : last, traceback: text };
  }
  return { name: (err && err.name) || "Error", message: text };
}

async function handle({ id, type, fn, kwargs, code }) {
  try {
    if (type !== ACCEPTS[role]) throw new Error(`the ${role} engine does not take ${JSON.stringify(type)} requests`);
    const py = await engine();
    let json;
    if (type === "call") json = py.call(fn, JSON.stringify(kwargs || {}));
    else json = py.run(code);
    postMessage({ id, ok: true, result: JSON.parse(json) });
  } catch (err) {
    postMessage({ id, ok: false, error: describe(err) });
  }
}

self.onmessage = (event) => {
  const msg = event.data || {};
  if (msg.type === "boot") {
    if (role === null && Object.hasOwn(ACCEPTS, msg.role)) role = msg.role;
    engine().catch(() => {});
  }
  else handle(msg);
};
