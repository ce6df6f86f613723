// The page's side of the engine: Pyodide + rnncore in module workers (worker.js), each created lazily on its first
// request and cached; requests go one at a time, each with a time budget. A request over budget terminates its
// worker (the next request starts a fresh one) and rejects with an Error named "EngineTimeout".
// Nothing here blocks the main thread.
//
// Two engines, one worker each: `demos` answers every demo and quiz on the page (rnncore.demos calls), and
// `playground` runs the reader's own code. The reader's code thus shares nothing with what the demos draw or what
// a quiz grades: however it rewrites its own Python, it cannot forge another widget's result. Each worker's
// answers are checked against what was asked (id, shape) before anything uses them.

const WORKER_URL = new URL("./worker.js", import.meta.url);
const BOOT_BUDGET_MS = 120000;   // starting Python is not counted in a request's budget, but it is bounded too
const STAGES = new Set(["fetch", "start", "wheel", "import", "ready", "error"]);

function isRunResult(r) {
  const text = (v) => v === null || typeof v === "string";
  return r !== null && typeof r === "object" && text(r.stdout) && text(r.stderr) && text(r.result);
}

class Engine {
  constructor(role, checkResult = () => true) {
    this.role = role;
    this.checkResult = checkResult;
    this.current = null;          // {worker, ready: Promise, progress} of the live worker
    this.nextId = 1;
    this.queue = Promise.resolve();
    this.listeners = new Set();
    this.lastStatus = { stage: "idle", message: "the engine has not started" };
    this.pending = new Map();     // id -> {record, resolve, reject}
  }

  emit(status) {
    this.lastStatus = status;
    for (const cb of this.listeners) {
      try { cb(status); } catch (err) { setTimeout(() => { throw err; }); }
    }
  }

  onStatus(cb) {
    this.listeners.add(cb);
    cb(this.lastStatus);
    return () => this.listeners.delete(cb);
  }

  startWorker() {
    performance.mark(`sequencehub:${this.role}-engine-start`);
    const worker = new Worker(WORKER_URL, { type: "module", name: `sequencehub-${this.role}` });
    let settle;
    const ready = new Promise((resolve, reject) => { settle = { resolve, reject }; });
    const record = { worker, ready, progress: new Set(), booted: false };
    const timer = setTimeout(() => fail("it took too long"), BOOT_BUDGET_MS);

    const fail = (cause) => {
      clearTimeout(timer);
      this.emit({ stage: "error", message: cause });   // the status line says "The engine could not start: <cause>"
      const err = new Error(`the engine could not start: ${cause}`);
      err.name = "EngineStartError";
      settle.reject(err);
      this.retire(record, err);
    };

    worker.onmessage = (event) => {
      const msg = event.data;
      if (!msg || typeof msg !== "object") return;
      if (msg.type === "status") {
        // status comes only while the worker boots: later ones (the reader's code can post them) are ignored
        if (record.booted || !STAGES.has(msg.stage) || typeof msg.message !== "string") return;
        if (msg.stage === "error") return fail(msg.message);
        this.emit({ stage: msg.stage, message: msg.message });
        for (const cb of record.progress) cb({ stage: msg.stage, message: msg.message });
        if (msg.stage === "ready") {
          record.booted = true;
          performance.mark(`sequencehub:${this.role}-engine-ready`);
          clearTimeout(timer);
          settle.resolve(record);
        }
        return;
      }
      const entry = this.pending.get(msg.id);
      if (!entry || entry.record !== record) return;   // an answer to nothing this worker was asked
      this.pending.delete(msg.id);
      if (msg.ok === true && this.checkResult(msg.result)) entry.resolve(msg.result);
      else if (msg.ok === true) entry.reject(new Error("the engine answered with something unexpected"));
      else {
        const error = msg.error && typeof msg.error === "object" ? msg.error : {};
        const err = new Error(typeof error.message === "string" ? error.message : "the engine failed");
        for (const key of ["name", "pythonType", "traceback"]) {
          if (typeof error[key] === "string") err[key] = error[key];
        }
        entry.reject(err);
      }
    };
    worker.onerror = (event) => {
      event.preventDefault();
      fail(`its worker failed: ${event.message || "could not load its code"}`);
    };
    worker.postMessage({ type: "boot", role: this.role });
    ready.catch(() => {});
    return record;
  }

  retire(record, err) {
    record.worker.terminate();
    if (this.current === record) this.current = null;
    for (const [id, entry] of this.pending) {
      if (entry.record === record) { this.pending.delete(id); entry.reject(err); }
    }
  }

  engine(onProgress) {
    if (!this.current) this.current = this.startWorker();
    const record = this.current;
    if (onProgress && this.lastStatus.stage !== "ready") {
      record.progress.add(onProgress);
      record.ready.finally(() => record.progress.delete(onProgress)).catch(() => {});
    }
    return record.ready;
  }

  warmUp(onProgress) {
    return this.engine(onProgress).then(() => undefined);
  }

  request(message, { budgetMs = 15000, onProgress } = {}) {
    // Requests run one after another: a budget starts when its request reaches the (ready) worker.
    const run = this.queue.then(async () => {
      const record = await this.engine(onProgress);
      const id = this.nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          const err = timeoutError(budgetMs);
          this.emit({ stage: "timeout", message: err.message });
          this.retire(record, err);
        }, budgetMs);
        this.pending.set(id, {
          record,
          resolve: (value) => { clearTimeout(timer); resolve(value); },
          reject: (err) => { clearTimeout(timer); reject(err); },
        });
        record.worker.postMessage({ id, ...message });
      });
    });
    this.queue = run.catch(() => {});
    return run;
  }
}

function timeoutError(budgetMs) {
  const err = new Error(`the computation ran past its budget of ${(budgetMs / 1000).toFixed(1)} s and was stopped`);
  err.name = "EngineTimeout";
  return err;
}

const demos = new Engine("demos");
const playground = new Engine("playground", isRunResult);

/** Listen to the demo engine's status events {stage, message}: idle, fetch, start, wheel, import, ready, error,
 *  timeout. The callback is called at once with the current status. Returns a function that unsubscribes.
 *  `{engine: "playground"}` listens to the playground's engine instead. */
export function onStatus(cb, { engine = "demos" } = {}) {
  return (engine === "playground" ? playground : demos).onStatus(cb);
}

export function engineStatus() {
  return demos.lastStatus;
}

/** Start the demo engine now (e.g. when a demo scrolls into view); resolves when Python and rnncore are ready. */
export function warmUp(onProgress) {
  return demos.warmUp(onProgress);
}

/** Start the playground's own engine now; resolves when it is ready. */
export function warmUpPlayground(onProgress) {
  return playground.warmUp(onProgress);
}

/** Call rnncore.demos.<fn>(**kwargs) in the demo engine; resolves with its JSON result. */
export async function call(fn, kwargs = {}, { budgetMs = 15000, onProgress } = {}) {
  return demos.request({ type: "call", fn, kwargs }, { budgetMs, onProgress });
}

/** Run the reader's code in the playground's engine (rnncore is imported); resolves with {stdout, stderr, result}. */
export async function runPython(code, { budgetMs = 5000, onProgress } = {}) {
  return playground.request({ type: "run", code: String(code) }, { budgetMs, onProgress });
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
 *  error, which the demo reports itself, unless `showErrors`). `engine`: "demos" (default) or "playground".
 *  Returns the element (already appended to `el`); call `.detach()` on it to stop listening. */
export function loadingIndicator(el, { showErrors = false, engine = "demos" } = {}) {
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
  }, { engine });
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
