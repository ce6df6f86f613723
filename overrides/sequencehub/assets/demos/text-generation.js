// Text generation: a small character-level LSTM, trained at build time by the same core (build/train_charlm.py),
// its weights shipped with the site (engine/models/charlm.json), sampled here in the browser.
// Settings: data-prompt (default "The "), data-temperature (default 0.7).

import { onStatus } from "../engine/client.js";
import { engineLink, fmt, frame, h, modelOf, slider, textField, whenVisible } from "./common.js";

const MODEL_URL = new URL("../../../engine/models/charlm.json", import.meta.url);
let modelPromise = null;
let loadedKey = null;      // the model the worker already holds (a new worker holds none)
onStatus(({ stage }) => { if (stage !== "ready") loadedKey = null; });

function loadModel() {
  if (!modelPromise) {
    modelPromise = fetch(MODEL_URL).then((response) => {
      if (!response.ok) throw new Error(`the text model could not be loaded (HTTP ${response.status})`);
      return response.json();
    });
    modelPromise.catch(() => { modelPromise = null; });
  }
  return modelPromise;
}

export function mount(el) {
  const ui = frame(el, "Text generation with a character-level LSTM", { charts: false });
  const state = {
    prompt: el.dataset.prompt || "The ",
    temperature: Number(el.dataset.temperature ?? 0.7),
    n: 240,
    seed: 1,
  };
  const output = h("pre", { class: "sh-demo-output", "aria-live": "polite", dataset: { output: "" } });
  const again = h("button", { type: "button" }, "Sample again");
  again.addEventListener("click", () => { state.seed += 1; request(); });

  ui.controls.append(
    textField({ label: "Prompt", name: "prompt", value: state.prompt, onChange: (v) => { state.prompt = v; request(); } }),
    slider({ label: "Temperature", name: "temperature", min: 0, max: 2, step: 0.05, value: state.temperature,
      format: (v) => fmt(v, 2), onInput: (v) => { state.temperature = v; request(); } }),
    slider({ label: "Characters", name: "n", min: 20, max: 600, step: 20, value: state.n,
      onInput: (v) => { state.n = v; request(); } }),
    again,
  );
  ui.figure.append(output);

  const update = engineLink(ui, "sample", async (r, kwargs) => {
    const model = await modelOf(kwargs, loadModel);
    if (kwargs.model.lstm) loadedKey = kwargs.model.key;
    output.textContent = "";
    output.append(h("strong", {}, r.prompt), r.text);
    ui.note.textContent = `${model.description || "A character-level LSTM"} · vocabulary ${model.vocab.length} `
      + `characters · hidden size ${model.hidden_size}. Temperature 0 always picks the likeliest next character; `
      + "higher temperatures take more risks.";
  });

  async function request() {
    const settings = { prompt: state.prompt, temperature: state.temperature, n: state.n, seed: state.seed };
    update.preview(settings);
    try {
      const model = await loadModel();
      const sent = loadedKey === model.key ? { key: model.key } : model;
      update({ model: sent, ...settings });
    } catch (err) {
      ui.error.textContent = `Something went wrong: ${err.message}`;
      ui.error.hidden = false;
      el.dataset.status = "error";
    }
  }
  whenVisible(el, request);
}
