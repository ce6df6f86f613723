// Vanishing-gradient lab: ||dL/dh_t|| against t for RNN, LSTM and GRU on the same random sequence, on a log
// axis, with sliders for the sequence length and the scale of the recurrent weights.
// Settings: data-length (default 50), data-scale (default 1.0).

import { axisStyle, baseOption, chart, engineLink, fmt, frame, h, slider, whenVisible } from "./common.js";

const TINY = 1e-300;   // a log axis cannot show 0: an underflowed gradient is drawn at the floor of the axis

export function mount(el) {
  const ui = frame(el, "Vanishing-gradient lab");
  const state = {
    length: Number(el.dataset.length) || 50,
    scale: Number(el.dataset.scale) || 1.0,
    gateBias: Number(el.dataset.gateBias ?? 2),
  };
  let plot = null;
  const summary = h("p", { class: "sh-demo-readout", "aria-live": "polite" });

  ui.controls.append(
    slider({ label: "Sequence length", name: "length", min: 5, max: 200, step: 5, value: state.length,
      onInput: (v) => { state.length = v; request(); } }),
    slider({ label: "Recurrent weight scale", name: "scale", min: 0.1, max: 3, step: 0.1, value: state.scale,
      format: (v) => `×${v.toFixed(1)}`, onInput: (v) => { state.scale = v; request(); } }),
    slider({ label: "Forget / update gate bias", name: "gate_bias", min: -2, max: 5, step: 0.5, value: state.gateBias,
      format: (v) => fmt(v, 1), onInput: (v) => { state.gateBias = v; request(); } }),
  );
  ui.note.textContent = "The loss reads only the last step's hidden state. Going back in time, each step multiplies "
    + "the gradient by a Jacobian: for the plain RNN the norm shrinks (or, with large recurrent weights, grows) "
    + "geometrically. The LSTM's forget gate and the GRU's update gate open a path that keeps it: raise their bias "
    + "and the gradient survives far longer; set it to 0 and they vanish too.";

  const update = engineLink(ui, "gradient_norms", async (r) => {
    if (!plot) {
      plot = await chart(ui.figure, { height: 300, label: "gradient norm against time step" });
      ui.figure.append(summary);
    }
    const cells = Object.keys(r.norms);
    plot.draw((th) => ({
      ...baseOption(th),
      legend: { top: 0, textStyle: { color: th.fg } },
      tooltip: { trigger: "axis", valueFormatter: (v) => (v === null ? "–" : Number(v).toExponential(2)) },
      grid: { left: 64, right: 20, top: 36, bottom: 44 },
      xAxis: { type: "value", name: "time step t", nameLocation: "middle", nameGap: 28, min: 1, max: r.length,
        ...axisStyle(th) },
      yAxis: { type: "log", name: "‖dL/dh_t‖", logBase: 10, ...axisStyle(th),
        axisLabel: { color: th.fg, formatter: (v) => Number(v).toExponential(0) } },
      series: cells.map((cell) => ({
        type: "line", name: cell.toUpperCase(), showSymbol: false, lineStyle: { width: 2 },
        itemStyle: { color: th.cells[cell] },
        data: r.norms[cell].map((v, i) => [i + 1, v === null || v < TINY ? TINY : v]),
      })),
    }));
    summary.textContent = "Gradient reaching t = 1: " + cells.map((c) => `${c.toUpperCase()} ${
      r.norms[c][0] === null ? "–" : Number(r.norms[c][0]).toExponential(2)}`).join(" · ")
      + ` (it is 1 at t = ${fmt(r.length, 0)})`;
    plot.setLabel(`Gradient norm against time step for ${cells.join(", ")}, log scale. ${summary.textContent}`);
  });

  function request() {
    update({ length: state.length, scale: state.scale, gate_bias: state.gateBias, hidden_size: 8, input_size: 4, seed: 0 });
  }
  whenVisible(el, request);
}
