// Training race: RNN, LSTM and GRU trained live, side by side, on the copy (recall) or adding task with the delay
// the reader picks; their loss curves update as they learn and the reader can stop them at any time.
// Settings: data-task (adding|copy, default adding), data-delay (default 20).

import { axisStyle, baseOption, call, chart, choice, fmt, frame, h, ready, fail, slider, whenVisible } from "./common.js";

const CHUNK = 10;          // updates per request: the curves move several times a second
const MAX_STEPS = 2000;
const SMOOTH = 20;         // the curves show a moving average over this many updates

function smooth(values) {
  const out = [];
  let sum = 0;
  values.forEach((v, i) => {
    sum += v;
    if (i >= SMOOTH) sum -= values[i - SMOOTH];
    out.push([i + 1, Number((sum / Math.min(i + 1, SMOOTH)).toFixed(5))]);
  });
  return out;
}

export function mount(el) {
  const ui = frame(el, "Training race: RNN vs LSTM vs GRU");
  const state = {
    task: el.dataset.task === "copy" ? "copy" : "adding",
    delay: Number(el.dataset.delay) || 20,
    race: null,
    losses: {},
    running: false,
    generation: 0,           // bumps on every re-initialisation: stale loops stop
  };
  let plot = null;
  const startButton = h("button", { type: "button", dataset: { action: "start" } }, "Start ▶");
  const stopButton = h("button", { type: "button", class: "sh-secondary", dataset: { action: "stop" }, disabled: true },
    "Stop ■");
  const progress = h("output", { class: "sh-demo-value", "aria-live": "polite" });

  ui.controls.append(
    choice({ label: "Task", name: "task", value: state.task,
      options: [["adding", "adding"], ["copy", "copy (recall a symbol)"]],
      onChange: (v) => { state.task = v; init(); } }),
    slider({ label: "Delay (steps)", name: "delay", min: 2, max: 80, step: 1, value: state.delay,
      onInput: (v) => { state.delay = v; init(); } }),
    h("div", { class: "sh-demo-field" }, startButton, stopButton, progress),
  );
  startButton.addEventListener("click", () => run());
  stopButton.addEventListener("click", () => stop());

  function describe() {
    const r = state.race;
    if (!r) return;
    ui.note.textContent = (r.task === "copy"
      ? `Each sequence shows one of 4 symbols, then ${r.delay} empty steps, then asks for the symbol.`
      : `Each sequence has ${r.sequence_length} random numbers, two of them marked; the answer is their sum.`)
      + ` The dashed line is the loss of a model that learned nothing (${r.baseline_rule}): a curve that stays `
      + "there has not bridged the delay. Curves show a moving average of the training loss; every cell starts "
      + "from PyTorch's default weights (the LSTM with its forget-gate bias at 1, the usual practice)."
      + (state.built ? " The curves shown are a race run when this page was built; Start races again, live, in "
        + "your browser." : "");
  }

  async function draw() {
    if (!plot) plot = await chart(ui.figure, { height: 300, label: "training loss curves" });
    const r = state.race;
    const cells = r.cells;
    const steps = Math.max(0, ...cells.map((c) => (state.losses[c] || []).length));
    plot.draw((th) => ({
      ...baseOption(th),
      legend: { top: 0, textStyle: { color: th.fg } },
      tooltip: { trigger: "axis", valueFormatter: (v) => fmt(v, 3) },
      grid: { left: 56, right: 24, top: 36, bottom: 44 },
      xAxis: { type: "value", name: "update", nameLocation: "middle", nameGap: 28, min: 0,
        max: Math.max(100, Math.ceil(steps / 100) * 100), ...axisStyle(th) },
      yAxis: { type: "value", name: r.loss === "mse" ? "mean squared error" : "cross-entropy", min: 0,
        ...axisStyle(th) },
      series: cells.map((cell, k) => ({
        type: "line", name: cell.toUpperCase(), showSymbol: false, lineStyle: { width: 2 },
        itemStyle: { color: th.cells[cell] }, data: smooth(state.losses[cell] || []),
        markLine: k === 0 ? { silent: true, symbol: "none", label: { formatter: "learned nothing", position: "insideEndTop", color: th.muted },
          lineStyle: { type: "dashed", color: th.muted }, data: [{ yAxis: Number(r.baseline.toFixed(4)) }] } : undefined,
      })),
    }));
    const last = cells.map((c) => {
      const v = state.losses[c] || [];
      return `${c.toUpperCase()} ${v.length ? fmt(smooth(v).at(-1)[1], 3) : "–"}`;
    }).join(" · ");
    progress.textContent = `${steps} updates · ${last}`;
    plot.setLabel(`Training loss against update for ${cells.join(", ")}: ${last}`);
  }

  // The first picture: the race run when the site was built with these settings (the same seed, so the live
  // race retraces it), shown until the reader starts a race of their own.
  async function showBuiltRace(kwargs) {
    const preview = ui.preview;
    ui.preview = null;
    if (!preview || preview.fn !== "race_init" || JSON.stringify(preview.kwargs) !== JSON.stringify(kwargs)) return;
    state.race = preview.result.race;
    state.losses = preview.result.losses;
    state.built = true;
    describe();
    await draw();
    if (ui.el.dataset.status === "loading") ui.el.dataset.status = "preview";
  }

  async function init() {
    const generation = ++state.generation;
    const wasRunning = state.running;
    const kwargs = { task: state.task, delay: state.delay, hidden_size: 16, seed: 0 };
    stop();
    state.built = false;
    if (ui.preview) await showBuiltRace(kwargs);
    try {
      const race = await call("race_init", { task: state.task, delay: state.delay, hidden_size: 16, seed: 0 });
      if (generation !== state.generation) return;
      if (state.race) call("race_stop", { id: state.race.id }).catch(() => {});
      state.race = race;
      // the built race's curves stay until Start
      if (!state.built) state.losses = Object.fromEntries(race.cells.map((c) => [c, []]));
      describe();
      await draw();
      el.sequencehubCall = { fn: "race_init", kwargs: { task: state.task, delay: state.delay, hidden_size: 16, seed: 0 } };
      publish();
      ready(ui);
      if (wasRunning) run();
    } catch (err) {
      if (generation === state.generation) fail(ui, err);
    }
  }

  async function run() {
    if (state.running || !state.race || !state.race.id) return;
    if (state.built) {                          // a live race replaces the one run when the page was built
      state.built = false;
      state.losses = Object.fromEntries(state.race.cells.map((c) => [c, []]));
      publish();
      describe();
    }
    state.running = true;
    startButton.disabled = true;
    stopButton.disabled = false;
    const generation = state.generation;
    el.dataset.running = "true";
    try {
      while (state.running && generation === state.generation) {
        const total = (state.losses[state.race.cells[0]] || []).length;
        if (total >= MAX_STEPS || !el.isConnected) break;      // done, or the reader left the page
        const r = await call("race_step", { id: state.race.id, steps: CHUNK }, { budgetMs: 20000 });
        if (generation !== state.generation) return;
        for (const [cell, values] of Object.entries(r.losses)) state.losses[cell].push(...values);
        publish();
        await draw();
        el.dataset.steps = String(r.step);
      }
    } catch (err) {
      if (generation === state.generation) {
        fail(ui, err);
        if (/no training race/.test(err.message)) { state.running = false; init(); }
      }
    } finally {
      if (generation === state.generation) stop();
    }
  }

  // What the page shows, for tests and embeds: the race and the curves currently drawn (the built race's until
  // Start, then the live one's).
  function publish() {
    el.sequencehubResult = { race: state.race, losses: state.losses };
  }

  function stop() {
    state.running = false;
    startButton.disabled = false;
    stopButton.disabled = true;
    el.dataset.running = "false";
  }

  whenVisible(el, init);
}
