// The page's side of the engine: one shared module worker (worker.js) running Pyodide + rnncore, created lazily
// on the first request and cached; requests go one at a time, each with a time budget. A request over budget
// terminates the worker (the next request starts a fresh one) and rejects with an Error named "EngineTimeout".
// Nothing here blocks the main thread.

const WORKER_URL = new URL("./worker.js", import.meta.url);
const BOOT_BUDGET_MS = 120000;   // starting Python is not counted in a request's budget, but it is bounded too

let current = null;      // {worker, ready: Promise} of the live worker
let nextId = 1;
let queue = Promise.resolve();
const statusListeners = new Set();
let lastStatus = { stage: "idle", message: "the engine has not started" };
const pending = new Map();   // id -> {resolve, reject}

function emit(status) {
  lastStatus = status;
  for (const cb of statusListeners) {
    try { cb(status); } catch (err) { setTimeout(() => { throw err; }); }
  }
}

/** Listen to engine status events {stage, message}: idle, fetch, start, wheel, import, ready, error, timeout.
 *  The callback is called at once with the current status. Returns a function that unsubscribes. */
export function onStatus(cb) {
  statusListeners.add(cb);
  cb(lastStatus);
  return () => statusListeners.delete(cb);
}

export function engineStatus() {
  return lastStatus;
}

function startWorker() {
  performance.mark("sequencehub:engine-start");
  const worker = new Worker(WORKER_URL, { type: "module", name: "sequencehub-engine" });
  let settle;
  const ready = new Promise((resolve, reject) => { settle = { resolve, reject }; });
  const record = { worker, ready, progress: new Set() };
  const timer = setTimeout(() => fail("it took too long"), BOOT_BUDGET_MS);

  function fail(cause) {
    clearTimeout(timer);
    emit({ stage: "error", message: cause });          // the status line says "The engine could not start: <cause>"
    const err = new Error(`the engine could not start: ${cause}`);
    err.name = "EngineStartError";
    settle.reject(err);
    retire(record, err);
  }

  worker.onmessage = (event) => {
    const msg = event.data;
    if (msg.type === "status") {
      if (msg.stage === "error") return fail(msg.message);
      emit({ stage: msg.stage, message: msg.message });
      for (const cb of record.progress) cb({ stage: msg.stage, message: msg.message });
      if (msg.stage === "ready") {
        performance.mark("sequencehub:engine-ready");
        clearTimeout(timer);
        settle.resolve(record);
      }
      return;
    }
    const entry = pending.get(msg.id);
    if (!entry) return;
    pending.delete(msg.id);
    if (msg.ok) entry.resolve(msg.result);
    else entry.reject(Object.assign(new Error(msg.error.message), msg.error));
  };
  worker.onerror = (event) => {
    event.preventDefault();
    fail(`its worker failed: ${event.message || "could not load its code"}`);
  };
  worker.postMessage({ type: "boot" });
  ready.catch(() => {});
  return record;
}

function retire(record, err) {
  record.worker.terminate();
  if (current === record) current = null;
  for (const [id, entry] of pending) {
    if (entry.record === record) { pending.delete(id); entry.reject(err); }
  }
}

function engine(onProgress) {
  if (!current) current = startWorker();
  const record = current;
  if (onProgress && lastStatus.stage !== "ready") {
    record.progress.add(onProgress);
    record.ready.finally(() => record.progress.delete(onProgress)).catch(() => {});
  }
  return record.ready;
}

/** Start the engine now (e.g. when a demo scrolls into view); resolves when Python and rnncore are ready. */
export function warmUp(onProgress) {
  return engine(onProgress).then(() => undefined);
}

function timeoutError(budgetMs) {
  const err = new Error(`the computation ran past its budget of ${(budgetMs / 1000).toFixed(1)} s and was stopped`);
  err.name = "EngineTimeout";
  return err;
}

function request(message, { budgetMs = 15000, onProgress } = {}) {
  // Requests run one after another: a budget starts when its request reaches the (ready) worker.
  const run = queue.then(async () => {
    const record = await engine(onProgress);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const err = timeoutError(budgetMs);
        emit({ stage: "timeout", message: err.message });
        retire(record, err);
      }, budgetMs);
      pending.set(id, {
        record,
        resolve: (value) => { clearTimeout(timer); resolve(value); },
        reject: (err) => { clearTimeout(timer); reject(err); },
      });
      record.worker.postMessage({ id, ...message });
    });
  });
  queue = run.catch(() => {});
  return run;
}

/** Call rnncore.demos.<fn>(**kwargs) in the worker; resolves with its JSON result. */
export async function call(fn, kwargs = {}, { budgetMs = 15000, onProgress } = {}) {
  return request({ type: "call", fn, kwargs }, { budgetMs, onProgress });
}

/** Run playground code in the worker (rnncore is imported); resolves with {stdout, stderr, result}. */
export async function runPython(code, { budgetMs = 5000, onProgress } = {}) {
  return request({ type: "run", code }, { budgetMs, onProgress });
}

const STAGE_TEXT = {
  idle: "",
  fetch: "The engine is loading: fetching the Python runtime…",
  start: "The engine is loading: starting Python…",
  wheel: "The engine is loading: loading the compiled core…",
  import: "The engine is loading: importing rnncore…",
  ready: "",
  timeout: "",
  error: "",
};

/** A small live status line for a demo: shows the engine's loading stage, hides once it is ready (and on an
 *  error, which the demo reports itself, unless `showErrors`).
 *  Returns the element (already appended to `el`); call `.detach()` on it to stop listening. */
export function loadingIndicator(el, { showErrors = false } = {}) {
  const line = document.createElement("p");
  line.className = "sh-engine-status";
  line.setAttribute("role", "status");
  line.setAttribute("aria-live", "polite");
  const unsubscribe = onStatus(({ stage, message }) => {
    const text = stage in STAGE_TEXT ? STAGE_TEXT[stage] : `The engine is loading: ${message}`;
    if (stage === "error") line.textContent = showErrors ? `The engine could not start: ${message}` : "";
    else line.textContent = text;
    line.dataset.stage = stage;
    line.hidden = !line.textContent;
  });
  line.detach = () => { unsubscribe(); line.remove(); };
  el.appendChild(line);
  return line;
}

let globalLine = null;
/** One page-wide status pill (bottom corner) while the engine loads; idempotent. Demos call it when they mount. */
export function globalIndicator() {
  if (globalLine && globalLine.isConnected) return globalLine;
  globalLine = loadingIndicator(document.body, { showErrors: true });
  globalLine.classList.add("sh-engine-status--global");
  Object.assign(globalLine.style, {
    position: "fixed", left: "1rem", bottom: "1rem", zIndex: "5", margin: "0", padding: "0.3em 0.8em",
    borderRadius: "1em", fontSize: "0.75rem", boxShadow: "0 1px 4px rgba(0, 0, 0, 0.25)",
    background: "var(--md-default-bg-color, #fff)", color: "var(--md-default-fg-color, #222)",
  });
  return globalLine;
}
