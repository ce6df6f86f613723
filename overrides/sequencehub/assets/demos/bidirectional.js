// Bidirectional flow: a forward pass reads the sentence left to right, a backward pass right to left; the
// representation of each word is the concatenation [h_fwd ; h_bwd], so it sees both sides of its context.
// Settings: data-cell (rnn|lstm|gru, default gru), data-sentence.

import {
  cellSetting, chart, choice, engineLink, frame, h, heatmapsOption, slider, textField, valuesTables, whenVisible,
} from "./common.js";

export function mount(el) {
  const ui = frame(el, "Bidirectional flow");
  const state = {
    sentence: el.dataset.sentence || "the cat that the dog chased ran away",
    cell: cellSetting(el, "gru"),
    hidden: 3,
  };
  let plot = null;
  const readout = h("p", { class: "sh-demo-readout", "aria-live": "polite" });
  let tables = h("div");

  ui.controls.append(
    textField({ label: "Sentence", name: "sentence", value: state.sentence, size: 36,
      onChange: (v) => { state.sentence = v; request(); } }),
    choice({ label: "Cell", name: "cell", value: state.cell, options: [["rnn", "RNN"], ["lstm", "LSTM"], ["gru", "GRU"]],
      onChange: (v) => { state.cell = v; request(); } }),
    slider({ label: "Units per direction", name: "hidden_size", min: 1, max: 8, step: 1, value: state.hidden,
      onInput: (v) => { state.hidden = v; request(); } }),
  );
  ui.note.textContent = "Top: the forward states (→, word t has read words 1..t). Middle: the backward states "
    + "(←, word t has read words t..T). Bottom: their concatenation, what a tagger or a classifier reads for each word.";

  const update = engineLink(ui, "bidirectional_trace", async (r) => {
    if (!plot) {
      plot = await chart(ui.figure, { height: 380, label: "forward, backward and concatenated states" });
      ui.figure.append(readout, tables);
    }
    const H = r.forward[0].length;
    // one colour scale for all three panels, fitted to the values (small states would otherwise look blank)
    const m = Math.max(0.05, ...r.concat.flat().map(Math.abs));
    const fwd = Array.from({ length: H }, (_, u) => `→${u + 1}`);
    const bwd = Array.from({ length: H }, (_, u) => `←${u + 1}`);
    const panels = [
      { title: "→ forward", values: r.forward, min: -m, max: m, units: fwd },
      { title: "← backward", values: r.backward, min: -m, max: m, units: bwd },
      { title: "[→ ; ←]", values: r.concat, min: -m, max: m, units: [...fwd, ...bwd] },
    ];
    const height = Math.max(300, 60 + 3 * (24 * H + 20) + 24 * H);
    plot.draw((th, width) => ({ ...heatmapsOption(th, panels, r.tokens, { width }), height }));
    const fresh = valuesTables(panels, r.tokens);
    tables.replaceWith(fresh);
    tables = fresh;
    const T = r.tokens.length;
    readout.textContent = `"${r.tokens[0]}" sees what follows only through ←; "${r.tokens[T - 1]}" sees what `
      + `came before only through →. Colours span ±${m.toFixed(2)}.`;
    plot.setLabel(`Heat maps of ${r.cell.toUpperCase()} forward and backward states over ${T} words, `
      + "and their concatenation");
  });

  function request() {
    update({ sentence: state.sentence, cell: state.cell, hidden_size: state.hidden, seed: 0 });
  }
  whenVisible(el, request);
}
