// Python playground: the reader's code runs in an engine worker of its own (not the one the demos and quizzes
// use), next to rnncore; stdout, stderr and the value of the last expression are shown, as text. A run past its
// budget (e.g. `while True: pass`) is stopped: the worker is replaced and the page stays usable.
// Settings: data-budget (seconds, default 5), data-code (initial code). The site's own code (the default, or a
// lesson's data-code) runs once when the playground comes into view; code that came from the page's URL
// (an embed's ?code=, listed in data-from-url) only fills the editor and runs when the reader presses Run.

import { loadingIndicator, runPython, warmUpPlayground } from "../engine/client.js";
import { fail, frame, h, ready, whenVisible } from "./common.js";

const DEFAULT_CODE = `import rnncore

# A 2-input, 3-unit LSTM with PyTorch's parameter layout, run on a 4-step sequence (T, B, I).
lstm = rnncore.LSTM(input_size=2, hidden_size=3, seed=0)
x = [[[1.0, 0.0]], [[0.0, 1.0]], [[0.0, 0.0]], [[1.0, 1.0]]]
y, (h, c) = lstm.forward(x)
print("h_T =", [round(v, 4) for v in h.tolist()[0][0]])
print("c_T =", [round(v, 4) for v in c.tolist()[0][0]])
{name: tuple(p.shape) for name, p in lstm.params.items()}
`;

export function mount(el) {
  const ui = frame(el, "Python playground", { charts: false });
  const indicator = loadingIndicator(el, { engine: "playground" });   // this engine's loading, not the demos'
  ui.indicator.replaceWith(indicator);
  ui.indicator.detach();
  ui.indicator = indicator;
  const fromUrl = (el.dataset.fromUrl || "").split(" ").includes("code");
  const budget = Number(el.dataset.budget) || 5;
  const id = `sh-playground-${Math.random().toString(36).slice(2, 8)}`;
  const code = h("textarea", { id, spellcheck: "false", rows: 12, dataset: { code: "" },
    "aria-describedby": `${id}-help` });
  code.value = el.dataset.code || DEFAULT_CODE;
  const run = h("button", { type: "button", dataset: { run: "" } }, "Run ▶");
  const output = h("pre", { class: "sh-demo-output", role: "log", "aria-live": "polite", dataset: { output: "" } });
  ui.controls.append(h("label", { for: id }, "Python code (rnncore is imported)"));
  ui.figure.append(code, h("div", { class: "sh-demo-controls" }, run,
    h("span", { id: `${id}-help`, class: "sh-demo-note" }, `Ctrl+Enter runs. A run is stopped after ${budget} s.`)),
  output);
  ui.note.textContent = "Runs in your browser: the same compiled core, in Python compiled to WebAssembly.";

  async function execute() {
    run.disabled = true;
    delete output.dataset.waiting;
    output.textContent = "running…";
    el.setAttribute("aria-busy", "true");
    try {
      const r = await runPython(code.value, { budgetMs: budget * 1000 });
      output.textContent = "";
      if (r.stdout) output.append(h("span", { class: "sh-stdout" }, r.stdout));
      if (r.stderr) output.append(h("span", { class: "sh-stderr" }, r.stderr));
      if (r.result !== null) output.append(h("span", { class: "sh-result" }, `→ ${r.result}\n`));
      if (!r.stdout && !r.stderr && r.result === null) output.textContent = "(no output)";
      el.sequencehubResult = r;
      ready(ui);
    } catch (err) {
      output.textContent = "";
      const text = err.name === "EngineTimeout"
        ? `Stopped: your code ran longer than ${budget} s, so the engine was restarted. `
          + "Check for a loop that never ends."
        : `The engine failed: ${err.message}`;
      output.append(h("span", { class: "sh-stderr", dataset: { stopped: err.name === "EngineTimeout" ? "true" : "false" } }, text));
      el.sequencehubResult = { error: err.name, message: err.message };
      if (err.name !== "EngineTimeout") { ui.el.dataset.status = "error"; ui.el.dataset.error = text; }
    } finally {
      run.disabled = false;
      el.removeAttribute("aria-busy");
    }
  }
  run.addEventListener("click", execute);
  code.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); execute(); }
  });
  // Start the engine when the playground comes into view and run the site's example once: ready when its output
  // shows. Code from a link waits for the reader: ready when the engine is.
  whenVisible(el, () => warmUpPlayground().then(() => {
    if (!fromUrl) return execute();
    output.textContent = "This code came with the link you followed. Read it, then press Run to run it.";
    output.dataset.waiting = "true";
    ready(ui);
    return undefined;
  }, (err) => fail(ui, err)));
}
