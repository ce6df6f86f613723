// Standalone embed pages (embed/v1/<demo>/, embed/v1/quiz/<id>/): URL parameters, height, postMessage.
// Loaded before main.js, which then mounts the widget (module scripts run in document order).
//   ?theme=light|dark|auto   palette (applied before first paint by theme.js)
//   ?origins=a,b | *         who may receive this unit's messages (see bridge.js)
//   ?frame=<name>            echoed in every message, to tell several iframes apart
//   any other ?name=value    on a demo: one of the settings the demo declares (demos/settings.js: name, type,
//                            range or choices, length), checked here and set as data-name="value" on its root;
//                            any other parameter, or a value that does not fit, is ignored (with a warning).
// The root's data-from-url lists the settings that came from the URL (the playground only prefills its editor
// with code from a link; it never runs it by itself).
import {createBridge, parseOrigins} from "./bridge.js";
import {watchQuiz} from "./quiz-events.js";
import {checkSetting, settingsOf} from "../demos/settings.js";

const RESERVED = new Set(["theme", "origins", "frame"]);
const FRAME = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Set the URL parameters that `declared` accepts onto the demo root as data-* settings (before main.js mounts
 *  it); return the names applied. */
export function applySettings(root, params, declared) {
  const applied = [];
  for (const [name, raw] of params) {
    if (RESERVED.has(name)) continue;
    const spec = Object.hasOwn(declared, name) ? declared[name] : null;
    const value = spec ? checkSetting(spec, raw) : null;
    if (value === null || applied.includes(name)) {
      console.warn(`sequencehub: ignored the URL setting ${JSON.stringify(name.slice(0, 40))}`
        + (spec ? " (its value does not fit)" : " (this demo has no such setting)"));
      continue;
    }
    root.setAttribute(`data-${name}`, value);
    applied.push(name);
  }
  root.setAttribute("data-from-url", applied.join(" "));
  return applied;
}

// Report the unit's height whenever it changes (the parent sizes the iframe to it).
function watchHeight(unit, report) {
  let last = -1;
  let pending = false;
  function measure() {
    pending = false;
    const style = getComputedStyle(unit);
    const height = Math.ceil(unit.getBoundingClientRect().bottom + window.scrollY + parseFloat(style.marginBottom || 0));
    if (Math.abs(height - last) >= 1) {
      last = height;
      report(height);
    }
  }
  new ResizeObserver(() => {
    if (!pending) { pending = true; requestAnimationFrame(measure); }
  }).observe(unit);
  return () => last;
}

function watchDemo(root, bridge) {
  let told = null;
  function check() {
    const status = root.dataset.status;
    if (status === told) return;
    if (status === "ready") bridge.post("ready");
    else if (status === "error") bridge.post("error", {message: root.textContent.trim().slice(0, 500)});
    else return;
    told = status;
  }
  new MutationObserver(check).observe(root, {attributes: true, attributeFilter: ["data-status"]});
  check();
}

function whenQuizMounted(root, callback) {
  // The quiz widget marks itself mounted (data-status="ready" or data-mounted); otherwise: after load.
  const done = () => root.dataset.status === "ready" || root.hasAttribute("data-mounted");
  if (done()) return callback();
  const observer = new MutationObserver(() => {
    if (done()) { observer.disconnect(); callback(); }
  });
  observer.observe(root, {attributes: true});
  window.addEventListener("load", () => setTimeout(() => { observer.disconnect(); callback(); }, 0), {once: true});
}

function start() {
  const params = new URLSearchParams(location.search);
  const body = document.body;
  const kind = body.dataset.shEmbed;
  const id = body.dataset.shEmbedId;
  const unit = document.querySelector("[data-sh-embed-unit]");
  const root = kind === "quiz" ? unit.querySelector("[data-quiz]") : unit.querySelector("[data-demo]");
  if (kind === "demo") applySettings(root, params, settingsOf(root.dataset.demo));
  const frame = params.get("frame");

  let quiz = null;
  let quizReady = false;
  let height = () => 0;
  const bridge = createBridge({
    kind, id, frame: frame !== null && FRAME.test(frame) ? frame : null, origins: parseOrigins(params.get("origins")),
    getState: () => ({
      status: kind === "demo" ? (root.dataset.status || "loading") : (quizReady ? "ready" : "loading"),
      height: height(), theme: document.documentElement.dataset.theme,
      ...(quiz ? quiz.state() : {}),
    }),
  });
  if (kind === "demo") {
    watchDemo(root, bridge);
  } else {
    quiz = watchQuiz(root, {
      onAnswered: (detail) => bridge.post("answered", detail),
      onCompleted: (detail) => bridge.post("completed", detail),
    });
    let once = false;
    whenQuizMounted(root, () => {
      if (once) return;
      once = true;
      quizReady = true;
      bridge.post("ready");
    });
  }
  height = watchHeight(unit, (h) => bridge.post("resize", {height: h}));
}

start();
