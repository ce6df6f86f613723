// Translating dates with attention: a GRU encoder-decoder with additive attention, trained at build time
// (build/train_translation.py, weights shipped in engine/models/translation.json), turns the date the reader types
// into ISO 8601; the heat map shows which input characters each output character looked at.
// Settings: data-text (the first date).

import { onStatus } from "../engine/client.js";
import { axisStyle, baseOption, chart, engineLink, frame, h, modelOf, nextId, tooltipText, whenVisible } from "./common.js";

const MODEL_URL = new URL("../../../engine/models/translation.json", import.meta.url);
const DEFAULT_TEXT = "Wed 3 Mar 2021";
let modelPromise = null;
let loadedKey = null;
onStatus(({ stage }) => { if (stage !== "ready") loadedKey = null; });

function loadModel() {
  if (!modelPromise) {
    modelPromise = fetch(MODEL_URL).then((response) => {
      if (!response.ok) throw new Error(`the translation model could not be loaded (HTTP ${response.status})`);
      return response.json();
    });
    modelPromise.catch(() => { modelPromise = null; });
  }
  return modelPromise;
}

export function mount(el) {
  const ui = frame(el, "Translating dates, with attention");
  const state = { text: el.dataset.text || DEFAULT_TEXT };
  let plot = null;
  const id = nextId("date");
  const input = h("input", { type: "text", id, value: state.text, size: 28, maxlength: 60, spellcheck: "false",
    dataset: { input: "" } });
  const run = h("button", { type: "button", dataset: { action: "translate" } }, "Translate");
  const output = h("output", { class: "sh-demo-value", "aria-live": "polite", dataset: { output: "" } });
  ui.controls.append(h("div", { class: "sh-demo-field" }, h("label", { for: id }, "A date"), input, run));
  ui.figure.append(h("p", {}, "ISO 8601: ", output));
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") { event.preventDefault(); state.text = input.value; request(); }
  });
  run.addEventListener("click", () => { state.text = input.value; request(); });

  async function draw(r, kwargs) {
    const model = await modelOf(kwargs, loadModel);
    if (kwargs.model.model) loadedKey = model.key;
    if (!plot) plot = await chart(ui.figure, { height: 300, label: "attention heat map" });
    const cols = r.tokens.map((c, j) => `${j + 1}:${c === " " ? "␣" : c}`);
    const rows = r.output.split("").map((c, i) => `${i + 1}:${c}`);
    const data = [];
    r.attention.forEach((row, i) => row.forEach((w, j) => data.push([j, i, Number(w.toFixed(4))])));
    plot.draw((th) => ({
      ...baseOption(th),
      tooltip: { formatter: (p) => `output ${tooltipText(rows[p.value[1]])} ← input ${tooltipText(cols[p.value[0]])}: `
        + `${p.value[2].toFixed(3)}` },
      grid: { left: 64, right: 24, top: 16, bottom: 72 },
      xAxis: { type: "category", data: cols, name: "input character", nameLocation: "middle", nameGap: 52,
        ...axisStyle(th), axisLabel: { color: th.fg, interval: 0, rotate: 60,
          formatter: (v) => v.slice(v.indexOf(":") + 1) } },
      yAxis: { type: "category", data: rows, inverse: true, name: "output", ...axisStyle(th),
        axisLabel: { color: th.fg, formatter: (v) => v.slice(v.indexOf(":") + 1) } },
      visualMap: { show: false, min: 0, max: 1, inRange: { color: th.sequential } },
      series: [{ type: "heatmap", data, name: "attention weight" }],
    }));
    output.textContent = r.output;
    plot.setLabel(`Attention of each output character of ${r.output} over the input characters of “${r.input}”`);
    ui.note.textContent = `${model.description}; it reads lower-case text (your input becomes “${r.input}”). `
      + `Row i is the attention weights of output character i over the input characters: where it looked.`;
  }

  const update = engineLink(ui, "translate_date", draw);

  async function request() {
    update.preview({ text: state.text });
    try {
      const model = await loadModel();
      update({ model: loadedKey === model.key ? { key: model.key } : model, text: state.text });
    } catch (err) {
      ui.error.textContent = `Something went wrong: ${err.message}`;
      ui.error.hidden = false;
      el.dataset.status = "error";
    }
  }
  whenVisible(el, request);
}
