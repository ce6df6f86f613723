// Forecasting a real series: the Mauna Loa CO2 record, a GRU trained at build time (build/train_forecast.py, its
// weights and the series shipped in engine/models/forecast.json), its forecast of the held-out months beside the
// truth and the persistence and seasonal-naive baselines. A horizon slider picks how many months ahead; a button
// trains a fresh GRU here, in the browser's engine, and redraws with it.
// Settings: data-horizon (default 24).

import { onStatus } from "../engine/client.js";
import { axisStyle, baseOption, chart, engineLink, fmt, frame, h, modelOf, slider, whenVisible } from "./common.js";

const MODEL_URL = new URL("../../../engine/models/forecast.json", import.meta.url);
const SHOWN_HISTORY = 96;      // months of history drawn before the held-out part (the whole record is 60 years)
let modelPromise = null;
let loadedKey = null;          // the model the worker already holds (a new worker holds none)
onStatus(({ stage }) => { if (stage !== "ready") loadedKey = null; });

function loadModel() {
  if (!modelPromise) {
    modelPromise = fetch(MODEL_URL).then((response) => {
      if (!response.ok) throw new Error(`the forecasting model could not be loaded (HTTP ${response.status})`);
      return response.json();
    });
    modelPromise.catch(() => { modelPromise = null; });
  }
  return modelPromise;
}

function monthLabel(start, k) {
  const m = Number(start.slice(0, 4)) * 12 + Number(start.slice(5, 7)) - 1 + k;
  return `${Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, "0")}`;
}

export function mount(el) {
  const ui = frame(el, "Forecasting the Mauna Loa CO2 record");
  // fresh: the id of the model trained here (the worker keeps it), so the slider re-forecasts without retraining
  const state = { horizon: Math.min(24, Math.max(1, Number(el.dataset.horizon) || 24)), seed: 0, fresh: null };
  let plot = null;
  const trainButton = h("button", { type: "button", dataset: { action: "train" } }, "Train a fresh GRU here");
  const shippedButton = h("button", { type: "button", class: "sh-secondary", dataset: { action: "shipped" },
    disabled: true }, "Back to the shipped model");
  const score = h("output", { class: "sh-demo-value", "aria-live": "polite", dataset: { score: "" } });
  ui.controls.append(
    slider({ label: "Horizon (months)", name: "horizon", min: 1, max: 24, step: 1, value: state.horizon,
      onInput: (v) => { state.horizon = v; request(); } }),
    h("div", { class: "sh-demo-field" }, trainButton, shippedButton),
  );
  ui.figure.append(score);

  async function draw(r, kwargs) {
    const model = await modelOf(kwargs, loadModel);
    if (kwargs.model.values) loadedKey = model.key;
    if (!plot) plot = await chart(ui.figure, { height: 320, label: "CO2 forecast" });
    const n = r.history.length;
    const from = Math.max(0, n - SHOWN_HISTORY);
    const labels = Array.from({ length: n + r.truth.length - from }, (_, k) => monthLabel(model.start, from + k));
    const pad = (values, at) => [...Array(at).fill(null), ...values.map((v) => Number(v.toFixed(3)))];
    const offset = n - from;
    const who = r.trained === "browser" ? `fresh GRU (trained here, ${r.steps} updates)` : "GRU (trained at build time)";
    plot.draw((th) => ({
      ...baseOption(th),
      legend: { top: 0, textStyle: { color: th.fg } },
      tooltip: { trigger: "axis", valueFormatter: (v) => (v === null || v === undefined ? "–" : `${fmt(v, 2)} ppm`) },
      grid: { left: 56, right: 20, top: 40, bottom: 40 },
      xAxis: { type: "category", data: labels, boundaryGap: false, ...axisStyle(th) },
      yAxis: { type: "value", name: "CO2 (ppm)", scale: true, ...axisStyle(th) },
      series: [
        { type: "line", name: "history", showSymbol: false, data: pad(r.history.slice(from), 0),
          itemStyle: { color: th.muted } },
        { type: "line", name: "held-out truth", showSymbol: false, data: pad(r.truth, offset),
          itemStyle: { color: th.fg }, lineStyle: { width: 2 } },
        { type: "line", name: who, showSymbol: true, symbolSize: 4, data: pad(r.forecast, offset),
          itemStyle: { color: th.cells.gru }, lineStyle: { width: 2 } },
        { type: "line", name: "seasonal naive", showSymbol: false, data: pad(r.baselines.seasonal_naive, offset),
          itemStyle: { color: th.accent }, lineStyle: { type: "dashed" } },
        { type: "line", name: "persistence", showSymbol: false, data: pad(r.baselines.persistence, offset),
          itemStyle: { color: th.cells.rnn }, lineStyle: { type: "dotted" } },
      ],
    }));
    const text = `Mean absolute error over ${r.horizon} month${r.horizon === 1 ? "" : "s"}: GRU ${fmt(r.mae.model, 2)} ppm · `
      + `seasonal naive ${fmt(r.mae.seasonal_naive, 2)} ppm · persistence ${fmt(r.mae.persistence, 2)} ppm`;
    score.textContent = text;
    plot.setLabel(`CO2 in ppm: history, held-out truth from ${labels[offset]}, and forecasts. ${text}`);
    ui.note.textContent = `${model.source.name} (${model.source.by}; ${model.start} to ${model.end}), shipped by `
      + `${model.source.package}. The last ${model.holdout} months are held out: the model never saw them. `
      + (r.trained === "browser"
        ? `This GRU has ${r.hidden_size} hidden units and was trained in your browser (seed ${r.seed}); its final `
          + `training loss was ${fmt(r.losses.at(-1), 3)}.`
        : `${model.description}.`);
    el.dataset.trained = r.trained;
    if (r.fresh) state.fresh = r.fresh;
  }

  const runShipped = engineLink(ui, "forecast_run", draw);
  const runFresh = engineLink(ui, "forecast_train", draw, { budgetMs: 90000 });

  async function send(link, extra) {
    link.preview({ horizon: state.horizon, ...extra });
    try {
      const model = await loadModel();
      link({ model: loadedKey === model.key ? { key: model.key } : model, horizon: state.horizon, ...extra });
    } catch (err) {
      ui.error.textContent = `Something went wrong: ${err.message}`;
      ui.error.hidden = false;
      el.dataset.status = "error";
    }
  }

  function request() {
    send(runShipped, state.fresh ? { fresh: state.fresh } : {});
  }

  trainButton.addEventListener("click", () => {
    state.seed += 1;
    shippedButton.disabled = false;
    ui.note.textContent = "Training a fresh GRU in your browser…";
    send(runFresh, { steps: 200, seed: state.seed, hidden_size: 16 });
  });
  shippedButton.addEventListener("click", () => {
    state.fresh = null;
    shippedButton.disabled = true;
    request();
  });
  whenVisible(el, request);
}
