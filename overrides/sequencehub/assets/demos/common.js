// Shared pieces of the demo widgets: the root's status life cycle, lazy start, controls, theme-aware charts.
// Not a demo itself (no [data-demo="common"] exists); each demos/<name>.js imports what it needs.

import { call, globalIndicator, loadingIndicator, warmUp } from "../engine/client.js";

// ECharts with only the charts the demos draw (build/charts/), imported when a chart is about to be drawn
const ECHARTS_URL = new URL("../vendor/echarts.min.js", import.meta.url);
let echartsPromise = null;
let echartsModule = null;   // the module once loaded: option builders run only after chart() awaited it

/** The chart library's ES module, imported once. */
export function echarts() {
  if (!echartsPromise) echartsPromise = import(ECHARTS_URL.href).then((lib) => { echartsModule = lib; return lib; });
  return echartsPromise;
}

/** Text for an ECharts HTML tooltip, escaped by the library itself: tokens and labels come from the reader's
 *  input (a typed sequence or sentence) and must never become markup. Only formatters call it, and they run
 *  after chart() has loaded the library. */
export function tooltipText(value) {
  return echartsModule.format.encodeHTML(String(value));
}

function ensureStyles() {
  if (document.querySelector("link[data-sh-demos-css]")) return;
  const link = document.createElement("link");
  link.rel = "stylesheet";
  link.href = new URL("./demos.css", import.meta.url).href;
  link.dataset.shDemosCss = "";
  document.head.appendChild(link);
}

let uid = 0;
/** A unique id for labels (demos may appear more than once on a page). */
export function nextId(prefix) {
  uid += 1;
  return `sh-${prefix}-${uid}`;
}

/** Create an element: h("button", {type: "button", class: "x", onclick}, "text", child...). */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child !== undefined && child !== null && child !== false) {
      node.append(child instanceof Node ? child : String(child));
    }
  }
  return node;
}

/** A labelled range input with its value shown; `onInput(value)` fires while dragging (keyboard too). */
export function slider({ label, min, max, step, value, format = (v) => String(v), onInput, name }) {
  const id = nextId("slider");
  const output = h("output", { for: id, class: "sh-demo-value" }, format(value));
  const input = h("input", {
    type: "range", id, min, max, step, value, name,
    "aria-valuetext": format(value),
    dataset: { control: name || label },
  });
  input.addEventListener("input", () => {
    const v = Number(input.value);
    output.textContent = format(v);
    input.setAttribute("aria-valuetext", format(v));
    if (onInput) onInput(v);
  });
  const wrap = h("div", { class: "sh-demo-slider" }, h("label", { for: id }, label), input, output);
  wrap.input = input;
  return wrap;
}

/** A labelled text input; `onChange(value)` fires on Enter / blur and, debounced, while typing. */
export function textField({ label, value, onChange, name, size = 24 }) {
  const id = nextId("text");
  const input = h("input", { type: "text", id, value, size, name, spellcheck: "false", dataset: { control: name } });
  let timer = null;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => onChange(input.value), 400);
  });
  input.addEventListener("change", () => { clearTimeout(timer); onChange(input.value); });
  const wrap = h("div", { class: "sh-demo-field" }, h("label", { for: id }, label), input);
  wrap.input = input;
  return wrap;
}

/** A labelled choice as a radio group (keyboard: arrows); `onChange(value)`. */
export function choice({ label, options, value, onChange, name }) {
  const group = nextId("choice");
  const field = h("fieldset", { class: "sh-demo-choice", dataset: { control: name } }, h("legend", {}, label));
  for (const [optValue, optLabel] of options) {
    const id = nextId("opt");
    const input = h("input", { type: "radio", name: group, id, value: optValue, checked: optValue === value });
    input.addEventListener("change", () => { if (input.checked) onChange(optValue); });
    field.append(h("span", {}, input, h("label", { for: id }, optLabel)));
  }
  return field;
}

/** The skeleton of a demo: title, controls row, figure area, a status line and an error box (`charts`: whether
 *  the demo draws charts, so the chart library is fetched at once). */
// The cell a demo starts with: its data-cell setting when it names a cell, else the demo's own default.
export function cellSetting(el, fallback) {
  return ["rnn", "lstm", "gru"].includes(el.dataset.cell) ? el.dataset.cell : fallback;
}

export function frame(el, title, { charts = true } = {}) {
  ensureStyles();
  // Fetch the chart library only when a chart is about to come on screen (a page read without scrolling to a
  // demo never downloads it), and then after the worker is created: evaluating the library holds the main
  // thread, and the engine start must not wait behind it.
  if (charts) whenVisible(el, () => setTimeout(() => echarts().catch(() => { echartsPromise = null; }), 0));
  const preview = readPreview(el);
  el.textContent = "";
  el.classList.add("sh-demo");
  el.dataset.status = "loading";
  const heading = h("p", { class: "sh-demo-title" }, title);
  const controls = h("div", { class: "sh-demo-controls" });
  const figure = h("div", { class: "sh-demo-figure" });
  const note = h("p", { class: "sh-demo-note", "aria-live": "polite" });
  const error = h("p", { class: "sh-demo-error", role: "alert", hidden: true });
  el.append(heading, controls);
  const indicator = loadingIndicator(el);
  globalIndicator();
  el.append(error, figure, note);
  return { el, controls, figure, note, error, indicator, preview };
}

// The first picture: the demo's default result computed when the site was built (previews.py), as JSON data in
// the demo's markup. Read once, before the demo replaces its markup.
function readPreview(el) {
  const node = el.querySelector(":scope > script[data-sh-preview]");
  if (!node) return null;
  try {
    return JSON.parse(node.textContent);
  } catch {
    return null;
  }
}

function sameValue(a, b) {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => sameValue(a[k], b[k]));
}

/** Mark the demo ready (after its result is drawn) or in error with a readable message. */
export function ready(ui) {
  ui.error.hidden = true;
  ui.error.textContent = "";
  ui.el.dataset.status = "ready";
}

export function fail(ui, err) {
  const message = err && err.name === "EngineTimeout"
    ? `Stopped: ${err.message}. Try a smaller setting.`
    : `Something went wrong: ${(err && err.message) || err}`;
  ui.error.textContent = message;
  ui.error.hidden = false;
  ui.el.dataset.status = "error";
  ui.el.dataset.error = message;
}

/** Run `start` once, when `el` first comes near the viewport (or at once where IntersectionObserver is absent).
 *  The observer answers after the next frame's layout, also for a demo already on screen: measuring it here
 *  instead would lay out the whole page while it is still loading (a long task on a phone), a frame earlier. */
export function whenVisible(el, start) {
  let started = false;
  const go = () => {
    if (started) return;
    started = true;
    start();
  };
  if (!("IntersectionObserver" in window)) { go(); return go; }
  const observer = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) { observer.disconnect(); go(); }
  }, { rootMargin: "200px" });
  observer.observe(el);
  return go;
}

/**
 * The demo's link to the core: `update(kwargs)` calls rnncore.demos.<fn>(**kwargs) and hands the result to
 * `draw`; while a request runs, newer requests replace each other, so a dragged slider sends only its latest
 * value. The last call and result are exposed on the root element for tests and curious readers:
 * el.sequencehubCall = {fn, kwargs}, el.sequencehubResult = result.
 */
export function engineLink(ui, fn, draw, { budgetMs = 15000 } = {}) {
  let running = false;
  let queued = null;
  let previewDrawn = Promise.resolve();   // a live result is drawn after the preview, never beside it
  async function pump() {
    running = true;
    while (queued) {
      const kwargs = queued;
      queued = null;
      ui.el.setAttribute("aria-busy", "true");
      try {
        const result = await call(fn, kwargs, { budgetMs });
        if (queued) continue;   // superseded while it ran: draw only the newest
        await previewDrawn;
        await draw(result, kwargs);
        ui.el.sequencehubCall = { fn, kwargs };
        ui.el.sequencehubResult = result;
        ready(ui);
      } catch (err) {
        fail(ui, err);
      } finally {
        ui.el.removeAttribute("aria-busy");
      }
    }
    running = false;
  }
  // The build's result for this call, drawn at once while the engine starts, marked as a preview. A demo that
  // reads a shipped model names it by key; the preview was computed with the model file built in the same run,
  // and carries the model's descriptive fields so it can be drawn before the file arrives.
  function showPreview(kwargs) {
    const preview = ui.preview;
    ui.preview = null;
    if (preview && preview.fn === fn && sameValue(withoutModel(preview.kwargs), withoutModel(kwargs))
        && ui.el.dataset.status === "loading") {
      previewDrawn = Promise.resolve(draw(preview.result, preview.kwargs)).then(() => {
        if (ui.el.dataset.status === "loading") ui.el.dataset.status = "preview";
      }).catch(() => {});
    }
  }
  function update(kwargs) {
    showPreview(kwargs);
    queued = kwargs;
    if (!running) pump();
  }
  update.preview = showPreview;      // for a demo whose call waits on a download: the picture need not wait
  return update;
}

function withoutModel(kwargs) {
  if (!kwargs || typeof kwargs !== "object" || !("model" in kwargs)) return kwargs;
  const { model, ...rest } = kwargs;
  return rest;
}

/** The shipped model a demo draws with: the one in the call's arguments when it carries its descriptive fields
 * (the first call, or a preview), else the downloaded file. */
export async function modelOf(kwargs, load) {
  return kwargs.model && kwargs.model.description !== undefined ? kwargs.model : load();
}

export { call, warmUp };

// ------------------------------------------------------------------------------------------------ theme + charts
function cssVar(name, fallback) {
  const v = getComputedStyle(document.body).getPropertyValue(name).trim();
  return v || fallback;
}

/** Colours from Material's CSS variables (light or dark scheme), with fallbacks for other themes. */
export function theme() {
  const dark = (document.body.getAttribute("data-md-color-scheme") || "") === "slate"
    || (!document.body.hasAttribute("data-md-color-scheme") && window.matchMedia
        && window.matchMedia("(prefers-color-scheme: dark)").matches
        && !cssVar("--md-default-bg-color", ""));
  return {
    dark,
    fg: cssVar("--md-default-fg-color", dark ? "#e2e4e9" : "#222"),
    muted: cssVar("--md-default-fg-color--light", dark ? "#9aa0ad" : "#666"),
    faint: cssVar("--md-default-fg-color--lightest", dark ? "#3a3f4c" : "#ddd"),
    bg: cssVar("--md-default-bg-color", dark ? "#1e2129" : "#fff"),
    primary: cssVar("--md-primary-fg-color", "#3f51b5"),
    accent: cssVar("--md-accent-fg-color", "#ff6e42"),
    // one colour per cell, the same on every demo
    cells: { rnn: "#e5534b", lstm: "#3f7fd8", gru: "#2da44e" },
    // diverging scale for values in [-1, 1] (negative blue, positive orange), midpoint follows the background
    diverging: dark ? ["#4f8fe6", "#2b2f3a", "#f08a4b"] : ["#2f6fce", "#f5f5f5", "#e3702b"],
    sequential: dark ? ["#2b2f3a", "#f0c05a"] : ["#f5f5f5", "#2f6fce"],
  };
}

const themeListeners = new Set();
let themeWatch = null;
/** Call `cb` when the reader switches light/dark. */
export function onThemeChange(cb) {
  themeListeners.add(cb);
  if (!themeWatch) {
    themeWatch = new MutationObserver(() => themeListeners.forEach((f) => f()));
    themeWatch.observe(document.body, { attributes: true, attributeFilter: ["data-md-color-scheme"] });
  }
  return () => themeListeners.delete(cb);
}

/**
 * An ECharts instance in a new box of `height` px inside `parent`, redrawn on theme change and when its width
 * changes (a phone turned sideways, a sidebar opening): `draw(optionFor)` takes a function of (theme, width in px)
 * so a layout can depend on the room it has; an option may carry `height` (px) for the box itself.
 */
export async function chart(parent, { height = 260, label = "chart" } = {}) {
  const lib = await echarts();
  const box = h("div", { class: "sh-demo-chart", role: "img", "aria-label": label });
  box.style.height = `${height}px`;
  parent.appendChild(box);
  const instance = lib.init(box, null, { renderer: "canvas" });
  box.sequencehubChart = instance;
  let lastOption = null;
  let lastWidth = box.clientWidth;
  const render = () => {
    const { height: wanted, ...option } = lastOption(theme(), box.clientWidth || parent.clientWidth || 320);
    if (wanted && box.style.height !== `${wanted}px`) box.style.height = `${wanted}px`;
    instance.resize();
    instance.setOption(option, true);
  };
  const release = () => {
    unsubscribe();
    resize.disconnect();
    instance.dispose();
  };
  const resize = new ResizeObserver(() => {
    if (!box.isConnected) return release();      // the page was swapped (instant navigation): let the chart go
    if (lastOption && box.clientWidth !== lastWidth) {
      lastWidth = box.clientWidth;
      render();
    } else {
      instance.resize();
    }
  });
  resize.observe(box);
  const unsubscribe = onThemeChange(() => {
    if (!box.isConnected) return release();
    if (lastOption) render();
  });
  return {
    box,
    instance,
    /** Draw from a function of (theme, width), so a scheme switch or a new width can redraw it. */
    draw(optionFor) {
      lastOption = optionFor;
      lastWidth = box.clientWidth;
      render();
    },
    setLabel(text) { box.setAttribute("aria-label", text); },
  };
}

/** Shared axis/text styling for the current theme. */
export function baseOption(t) {
  return {
    backgroundColor: "transparent",
    textStyle: { color: t.fg, fontFamily: "inherit" },
    animation: false,
    aria: { enabled: true },
  };
}

export function axisStyle(t) {
  return {
    axisLine: { lineStyle: { color: t.muted } },
    axisLabel: { color: t.fg },
    nameTextStyle: { color: t.muted },
    splitLine: { lineStyle: { color: t.faint } },
  };
}

/**
 * A heat map grid: `rows` (H) x `cols` (T) values as ECharts heatmap data, in grid `gridIndex`.
 * values[t][u] -> cell (t, u). `upTo` (optional) leaves later steps empty.
 */
export function heatmapData(values, upTo = Infinity) {
  const data = [];
  values.forEach((row, t) => {
    if (t > upTo) return;
    row.forEach((v, u) => data.push([t, u, v === null ? 0 : Number(v.toFixed(4))]));
  });
  return data;
}

export function fmt(v, digits = 3) {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  return (v < 0 ? "\u2212" : "") + Math.abs(v).toFixed(digits);
}

// Below this many px per cell a number printed in it would overprint its neighbours: the tooltip and the
// values table carry it instead.
const MIN_LABEL_CELL = 34;
// Below this width panels asked to sit side by side are stacked instead.
const MIN_ROW_WIDTH = 560;
const PANEL_ROW = 22;          // px per unit row when the height follows the content

/**
 * Heat maps of several (T, H) traces, stacked (vertical) or side by side, in one ECharts option. `width` is the
 * chart's width in px: side-by-side panels stack when it is narrow, and in-cell numbers show only when a cell is
 * wide enough to hold one. With `fitHeight`, the option carries the box height its panels need.
 */
export function heatmapsOption(th, panels, tokens, { direction = "column", unitLabel = "u", width = 640,
  fitHeight = false } = {}) {
  const n = panels.length;
  const stacked = direction === "column" || width < MIN_ROW_WIDTH;
  const left = stacked ? 92 : 0;
  const panelWidth = stacked ? width - left - 16 : (width * 0.97) / n - width * 0.08;
  const labels = panelWidth / Math.max(1, tokens.length) >= MIN_LABEL_CELL;
  const grid = [], xAxis = [], yAxis = [], series = [], visualMap = [];
  const rows = panels.map((panel) => panel.values[0].length);
  const heights = rows.map((H) => Math.max(48, PANEL_ROW * H));
  const gap = 34;
  let top = 12;
  panels.forEach((panel, k) => {
    const H = rows[k];
    if (stacked && fitHeight) {
      grid.push({ left, right: 16, top, height: heights[k] });
      top += heights[k] + gap;
    } else if (stacked) {
      const topPct = 8 + (k * 92) / n;
      grid.push({ left, right: 16, top: `${topPct}%`, height: `${92 / n - 9}%` });
    } else {
      const leftPct = 3 + (k * 97) / n;
      grid.push({ left: `${leftPct + 5}%`, width: `${97 / n - 8}%`, top: 28, bottom: 40 });
    }
    xAxis.push({ type: "category", gridIndex: k, data: tokens, ...axisStyle(th),
      axisLabel: { color: th.fg, show: !stacked || fitHeight || k === n - 1, hideOverlap: true } });
    const units = panel.units || Array.from({ length: H }, (_, u) => `${unitLabel}${u + 1}`);
    yAxis.push({ type: "category", gridIndex: k, data: units,
      name: panel.title, nameLocation: stacked ? "middle" : "end", nameGap: stacked ? 56 : 10,
      nameRotate: stacked ? 90 : 0, nameTextStyle: { color: th.fg, fontWeight: "bold" },
      ...axisStyle(th), axisLabel: { color: th.muted, fontSize: 10 } });
    series.push({ type: "heatmap", name: panel.title, xAxisIndex: k, yAxisIndex: k, data: heatmapData(panel.values),
      label: { show: labels && H <= 4, color: th.fg, fontSize: 10,
        formatter: (p) => p.value[2].toFixed(2) } });
    visualMap.push({ show: false, seriesIndex: k, min: panel.min, max: panel.max,
      inRange: { color: panel.min < 0 ? th.diverging : th.sequential } });
  });
  const option = {
    ...baseOption(th),
    tooltip: { formatter: (p) => `${tooltipText(p.seriesName)}<br>t = ${p.value[0] + 1} (${tooltipText(tokens[p.value[0]])}), `
      + `unit ${p.value[1] + 1}: ${fmt(p.value[2])}` },
    grid, xAxis, yAxis, series, visualMap,
  };
  option.tooltip.confine = true;             // on a phone the tooltip stays inside the chart, not off screen
  if (fitHeight) option.height = top - gap + 40;
  return option;
}

/**
 * The numbers behind heat maps as tables (one per panel, rows = units, columns = steps) inside a closed
 * <details>: what a screen reader reads, and where a phone reader finds values the cells are too small to show.
 */
export function valuesTables(panels, tokens) {
  const box = h("details", { class: "sh-demo-tables" }, h("summary", {}, "The values as tables"));
  for (const panel of panels) {
    const H = panel.values[0].length;
    const units = panel.units || Array.from({ length: H }, (_, u) => `u${u + 1}`);
    const head = h("tr", {}, h("th", { scope: "col" }, "unit"),
      ...tokens.map((tok) => h("th", { scope: "col" }, tok)));
    const body = units.map((unit, u) => h("tr", {}, h("th", { scope: "row" }, unit),
      ...panel.values.map((row) => h("td", {}, fmt(row[u])))));
    const wrap = h("div", { class: "sh-demo-scroll", tabindex: "0", role: "region", "aria-label": panel.title,
      dataset: { shScroll: "" } },
    h("table", { class: "sh-demo-values" }, h("caption", {}, panel.title), h("thead", {}, head),
      h("tbody", {}, ...body)));
    box.append(wrap);
  }
  return box;
}
