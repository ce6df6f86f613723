// Sentiment, word by word: an LSTM (or GRU) trained at build time (build/train_sentiment.py, weights shipped in
// engine/models/sentiment.json) reads the reader's sentence; the chart shows P(positive) after every word, words
// the model never saw are marked as unknown, and the bag-of-words baseline's verdict is shown beside it.
// Settings: data-text (the first sentence), data-cell (lstm|gru, default lstm).

import { onStatus } from "../engine/client.js";
import { axisStyle, baseOption, chart, choice, engineLink, fmt, frame, h, modelOf, nextId, whenVisible } from "./common.js";

const MODEL_URL = new URL("../../../engine/models/sentiment.json", import.meta.url);
const DEFAULT_TEXT = "the plot was slow at first, but the ending was wonderful";
let modelPromise = null;
let loadedKey = null;
onStatus(({ stage }) => { if (stage !== "ready") loadedKey = null; });

function loadModel() {
  if (!modelPromise) {
    modelPromise = fetch(MODEL_URL).then((response) => {
      if (!response.ok) throw new Error(`the sentiment model could not be loaded (HTTP ${response.status})`);
      return response.json();
    });
    modelPromise.catch(() => { modelPromise = null; });
  }
  return modelPromise;
}

function verdict(p) {
  return p > 0.5 ? `positive (${fmt(100 * p, 0)}%)` : `negative (${fmt(100 * (1 - p), 0)}%)`;
}

export function mount(el) {
  const ui = frame(el, "Sentiment, read word by word");
  const state = { text: el.dataset.text || DEFAULT_TEXT, cell: el.dataset.cell === "gru" ? "gru" : "lstm" };
  let plot = null;
  const id = nextId("review");
  const input = h("input", { type: "text", id, value: state.text, size: 48, maxlength: 400, spellcheck: "false",
    dataset: { input: "" } });
  const run = h("button", { type: "button", dataset: { action: "read" } }, "Read it");
  const summary = h("output", { class: "sh-demo-value", "aria-live": "polite", dataset: { verdict: "" } });
  const unknown = h("p", { class: "sh-demo-note", dataset: { unknown: "" } });
  ui.controls.append(
    h("div", { class: "sh-demo-field" }, h("label", { for: id }, "Your review"), input, run),
    choice({ label: "Model", name: "cell", value: state.cell,
      options: [["lstm", "LSTM"], ["gru", "GRU"]], onChange: (v) => { state.cell = v; request(); } }),
  );
  ui.figure.append(summary, unknown);
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") { event.preventDefault(); state.text = input.value; request(); }
  });
  run.addEventListener("click", () => { state.text = input.value; request(); });

  async function draw(r, kwargs) {
    const model = await modelOf(kwargs, loadModel);
    if (kwargs.model.vocab) loadedKey = model.key;
    if (!plot) plot = await chart(ui.figure, { height: 280, label: "probability of positive after each word" });
    const labels = r.steps.map((s, k) => `${k + 1}. ${s.token}${s.known ? "" : " (?)"}`);
    const cellName = r.cell.toUpperCase();
    plot.draw((th) => ({
      ...baseOption(th),
      tooltip: { trigger: "axis", valueFormatter: (v) => fmt(v, 3) },
      grid: { left: 56, right: 20, top: 24, bottom: 80 },
      xAxis: { type: "category", data: labels, ...axisStyle(th),
        axisLabel: { color: th.fg, rotate: 40, interval: 0 } },
      yAxis: { type: "value", min: 0, max: 1, name: "P(positive)", ...axisStyle(th) },
      series: [{
        type: "bar", name: `${cellName}: P(positive) after this word`,
        data: r.steps.map((s) => ({
          value: Number(s.positive.toFixed(4)),
          itemStyle: { color: s.positive > 0.5 ? th.cells.gru : th.cells.rnn, opacity: s.known ? 1 : 0.45 },
        })),
        markLine: { silent: true, symbol: "none", lineStyle: { type: "dashed", color: th.muted },
          label: { formatter: "undecided", position: "insideEndTop", color: th.muted }, data: [{ yAxis: 0.5 }] },
      }],
    }));
    summary.textContent = `${cellName}: ${verdict(r.positive)} · bag of words: ${verdict(r.bow)}`;
    unknown.textContent = r.unknown.length
      ? `Words the model never saw, read as “unknown” (faded bars, marked “?”): ${r.unknown.join(", ")}.`
      : "The model knows every word of this review.";
    plot.setLabel(`P(positive) after each word, ${cellName}: ${r.steps.map((s) => `${s.token} ${fmt(s.positive, 2)}`).join(", ")}`);
    ui.note.textContent = `${model.description}. Each bar is the model's opinion after reading up to that word; `
      + "the last bar is its verdict. The bag-of-words baseline sees the same words but not their order.";
  }

  const update = engineLink(ui, "sentiment_read", draw);

  async function request() {
    update.preview({ text: state.text, cell: state.cell });
    try {
      const model = await loadModel();
      update({ model: loadedKey === model.key ? { key: model.key } : model, text: state.text, cell: state.cell });
    } catch (err) {
      ui.error.textContent = `Something went wrong: ${err.message}`;
      ui.error.hidden = false;
      el.dataset.status = "error";
    }
  }
  whenVisible(el, request);
}
