// Hidden state, step by step: type a sequence, step through time, see h_t as a heat strip and how far each
// input moved it. Settings: data-cell (rnn|lstm|gru, default rnn), data-sequence (default "hello").

import {
  axisStyle, baseOption, cellSetting, chart, choice, engineLink, fmt, frame, h, heatmapData, nextId, slider, textField,
  tooltipText, whenVisible,
} from "./common.js";

const PRESETS = [
  ["hello", "hello"],
  ["aaaaaaaaaa", "the same token again and again"],
  ["abcabcabcabc", "a repeating pattern"],
  ["a.........", "one token, then silence"],
];

export function mount(el) {
  const ui = frame(el, "Hidden state, step by step");
  const state = {
    sequence: el.dataset.sequence || "hello",
    cell: cellSetting(el, "rnn"),
    hidden: 6,
    step: 0,
    result: null,
  };
  let heat = null;
  let moved = null;

  const stepLabel = h("output", { class: "sh-demo-value", "aria-live": "polite" });
  const prev = h("button", { type: "button", class: "sh-secondary", "aria-label": "previous step" }, "◀ step");
  const next = h("button", { type: "button", "aria-label": "next step" }, "step ▶");
  const first = h("button", { type: "button", class: "sh-secondary" }, "from the start");
  const readout = h("div", { class: "sh-demo-readout", "aria-live": "polite" });
  prev.addEventListener("click", () => setStep(state.step - 1));
  next.addEventListener("click", () => setStep(state.step + 1));
  first.addEventListener("click", () => setStep(0));

  const field = textField({ label: "Sequence", name: "sequence", value: state.sequence, onChange: (v) => {
    state.sequence = v; request();
  } });
  const presetId = nextId("preset");
  const preset = h("select", { id: presetId, name: "preset" },
    h("option", { value: "" }, "pick one…"),
    ...PRESETS.map(([value, label]) => h("option", { value }, label)));
  preset.addEventListener("change", () => {
    if (!preset.value) return;
    field.input.value = preset.value;
    state.sequence = preset.value;
    request();
  });
  ui.controls.append(
    field,
    h("div", { class: "sh-demo-field" }, h("label", { for: presetId }, "or"), preset),
    choice({ label: "Cell", name: "cell", value: state.cell,
      options: [["rnn", "RNN"], ["lstm", "LSTM"], ["gru", "GRU"]],
      onChange: (v) => { state.cell = v; request(); } }),
    slider({ label: "Hidden units", name: "hidden_size", min: 2, max: 12, step: 1, value: state.hidden,
      onInput: (v) => { state.hidden = v; request(); } }),
    h("div", { class: "sh-demo-field" }, first, prev, next, stepLabel),
  );
  ui.note.textContent = "Each column is h_t after reading one more token; the bars show how far that token moved "
    + "the state (|h_t − h_{t−1}|). Step through to watch the memory build up.";

  function setStep(t) {
    if (!state.result) return;
    const T = state.result.h.length;
    state.step = Math.max(0, Math.min(T - 1, t));
    render();
  }

  function render() {
    const r = state.result;
    const T = r.h.length;
    const H = r.h[0].length;
    const t = state.step;
    const tokens = r.tokens.map((tok, i) => `${i + 1}:${tok === " " ? "␣" : tok}`);
    stepLabel.textContent = `t = ${t + 1} of ${T}`;
    prev.disabled = t === 0;
    next.disabled = t === T - 1;
    heat.draw((th, width) => ({
      ...baseOption(th),
      tooltip: { formatter: (p) => `token ${tooltipText(tokens[p.value[0]])}<br>h[${p.value[1] + 1}] = ${fmt(p.value[2])}` },
      grid: { left: 48, right: 16, top: 12, bottom: 64 },
      xAxis: { type: "category", data: tokens, name: "t", ...axisStyle(th), splitArea: { show: false } },
      yAxis: { type: "category", data: Array.from({ length: H }, (_, u) => `h${u + 1}`), ...axisStyle(th) },
      visualMap: { min: -1, max: 1, calculable: false, orient: "horizontal", left: "center", bottom: 0, text: ["+1", "−1"],
        itemHeight: 120, itemWidth: 10, inRange: { color: th.diverging }, textStyle: { color: th.fg } },
      series: [{ type: "heatmap", data: heatmapData(r.h, t), label: { show: (width - 64) / T >= 34 && H <= 8, color: th.fg,
        formatter: (p) => p.value[2].toFixed(2) } }],
    }));
    heat.setLabel(`Heat map of the hidden state h_t for ${T} steps and ${H} units, shown up to step ${t + 1}`);
    moved.draw((th) => ({
      ...baseOption(th),
      grid: { left: 48, right: 16, top: 24, bottom: 28 },
      title: { text: "how far each input moved h", textStyle: { fontSize: 12, color: th.muted }, left: 48 },
      xAxis: { type: "category", data: tokens, ...axisStyle(th) },
      yAxis: { type: "value", ...axisStyle(th) },
      series: [{ type: "bar", data: r.moved.map((v, i) => (i <= t ? Number(v.toFixed(4)) : null)),
        itemStyle: { color: th.cells[r.cell] } }],
    }));
    readout.textContent = `x_${t + 1} = "${r.tokens[t]}"   h_${t + 1} = [${r.h[t].map((v) => fmt(v)).join(", ")}]`;
  }

  const update = engineLink(ui, "hidden_state_trace", async (result) => {
    if (!heat) {
      heat = await chart(ui.figure, { height: 240, label: "hidden state heat map" });
      moved = await chart(ui.figure, { height: 150, label: "how far each input moved the hidden state" });
      ui.figure.append(readout);
    }
    state.result = result;
    state.step = result.h.length - 1;   // a new trace is shown whole; step back through it
    render();
  });

  function request() {
    update({ sequence: state.sequence, cell: state.cell, hidden_size: state.hidden, seed: 0 });
  }
  whenVisible(el, request);
  el.addEventListener("keydown", (e) => {
    // arrow keys step through time when a step button (or the demo itself) has the focus
    if (e.target !== el && e.target.tagName !== "BUTTON") return;
    if (e.key === "ArrowRight") { e.preventDefault(); setStep(state.step + 1); }
    if (e.key === "ArrowLeft") { e.preventDefault(); setStep(state.step - 1); }
  });
}
