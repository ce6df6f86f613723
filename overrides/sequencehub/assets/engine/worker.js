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
  const glue = pyodide.pyimport("rnncore.worker");   // the Python side: core/rnncore/worker.py
  return { pyodide, call: glue.call, run: glue.run };
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
