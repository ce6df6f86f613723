// Gate inspector: the LSTM's i, f, g, o (and its cell state c) or the GRU's r, z, n, for every step of the
// reader's sequence, with sliders on the gate biases and the weight scale; cell state and hidden state side by side
// (stacked on a narrow screen).
// Settings: data-cell (lstm|gru, default lstm), data-sequence (comma-separated numbers or text).

import {
  chart, choice, engineLink, fmt, frame, h, heatmapsOption, slider, textField, valuesTables, whenVisible,
} from "./common.js";

const GATES = {
  lstm: [["i", "input gate i"], ["f", "forget gate f"], ["g", "candidate g"], ["o", "output gate o"]],
  gru: [["r", "reset gate r"], ["z", "update gate z"], ["n", "candidate n"]],
};
const SIGNED = new Set(["g", "n"]);   // tanh outputs in (-1, 1); the others are sigmoids in (0, 1)
const SLIDERS = {
  lstm: [["f", "forget bias b_f", 1.0], ["i", "input bias b_i", 0.0], ["o", "output bias b_o", 0.0]],
  gru: [["z", "update bias b_z", 0.0], ["r", "reset bias b_r", 0.0]],
};

/** "1, 0, -0.5" -> numbers; anything else -> the text itself (one token per character). */
export function parseSequence(text) {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  if (parts.length && parts.every((p) => /^[-+]?\d*\.?\d+(e[-+]?\d+)?$/i.test(p))) return parts.map(Number);
  return text;
}

export function mount(el) {
  const ui = frame(el, "Gate inspector");
  const state = {
    cell: el.dataset.cell === "gru" ? "gru" : "lstm",
    sequence: el.dataset.sequence || "1, 0, 0, 0, 1, 0, 0, 0",
    hidden: 3,
    scale: 1.0,
    bias: { lstm: { f: 1.0, i: 0.0, o: 0.0 }, gru: { z: 0.0, r: 0.0 } },
  };
  let gatesChart = null;
  let statesChart = null;
  const biasBox = h("div", { class: "sh-demo-controls" });
  const statesNote = h("p", { class: "sh-demo-note" });
  let tables = h("div");

  function biasSliders() {
    biasBox.textContent = "";
    for (const [gate, label] of SLIDERS[state.cell]) {
      biasBox.append(slider({ label, name: `bias_${gate}`, min: -4, max: 4, step: 0.1,
        value: state.bias[state.cell][gate], format: (v) => fmt(v, 1),
        onInput: (v) => { state.bias[state.cell][gate] = v; request(); } }));
    }
  }

  ui.controls.append(
    choice({ label: "Cell", name: "cell", value: state.cell, options: [["lstm", "LSTM"], ["gru", "GRU"]],
      onChange: (v) => { state.cell = v; biasSliders(); request(); } }),
    textField({ label: "Sequence", name: "sequence", value: state.sequence, size: 28,
      onChange: (v) => { state.sequence = v; request(); } }),
    slider({ label: "Weight scale", name: "weight_scale", min: 0.1, max: 4, step: 0.1, value: state.scale,
      format: (v) => `×${v.toFixed(1)}`, onInput: (v) => { state.scale = v; request(); } }),
  );
  ui.controls.after(biasBox);
  biasSliders();
  const NOTES = {
    lstm: "Gates near 1 let information through, near 0 block it. Raise the forget bias and the cell state keeps "
      + "its value across the zeros; lower it and the LSTM forgets within a step or two.",
    gru: "Gates near 1 let information through, near 0 block it. Raise the update bias (z near 1) and h keeps its "
      + "value across the zeros; lower it and the GRU overwrites h with the candidate n at every step.",
  };

  const update = engineLink(ui, "gate_trace", async (r) => {
    ui.note.textContent = NOTES[r.cell];
    if (!gatesChart) {
      gatesChart = await chart(ui.figure, { height: 320, label: "gate activations" });
      statesChart = await chart(ui.figure, { height: 200, label: "cell state and hidden state" });
      ui.figure.append(statesNote, tables);
    }
    const tokens = r.tokens.map((tok, i) => `${i + 1}:${tok}`);
    const gates = GATES[r.cell].map(([k, title]) => ({ title, values: r.gates[k], min: SIGNED.has(k) ? -1 : 0, max: 1 }));
    gatesChart.draw((th, width) => ({ ...heatmapsOption(th, gates, tokens, { width }), height: 90 * gates.length + 40 }));
    gatesChart.setLabel(`${r.cell.toUpperCase()} gate activations per step: ${GATES[r.cell].map((g) => g[0]).join(", ")}`);
    let panels;
    if (r.cell === "lstm") {
      const cabs = Math.max(...r.c.flat().map(Math.abs));
      const cmax = Math.max(1, cabs);
      panels = [{ title: "cell state c_t", values: r.c, min: -cmax, max: cmax },
        { title: "hidden state h_t = o·tanh(c_t)", values: r.h, min: -1, max: 1 }];
      statesNote.textContent = `The cell state c is the LSTM's memory (unbounded: here |c| reaches ${fmt(cabs, 2)}); `
        + "the hidden state h is what it shows the next layer, a gated, squashed view of c.";
    } else {
      panels = [{ title: "hidden state h_t (a GRU's only state)", values: r.h, min: -1, max: 1 }];
      statesNote.textContent = "A GRU has no separate cell state: h_t = (1 − z)·n + z·h_{t−1} is both its "
        + "memory and its output.";
    }
    statesChart.draw((th, width) => ({
      height: 200, ...heatmapsOption(th, panels, tokens, { direction: "row", width, fitHeight: width < 560 }),
    }));
    const fresh = valuesTables([...gates, ...panels], tokens);
    tables.replaceWith(fresh);
    tables = fresh;
  });

  function request() {
    update({
      sequence: parseSequence(state.sequence), cell: state.cell, hidden_size: state.hidden, seed: 0,
      weight_scale: state.scale, gate_bias: { ...state.bias[state.cell] },
    });
  }
  whenVisible(el, request);
}
