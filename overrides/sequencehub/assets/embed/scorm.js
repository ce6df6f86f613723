// SCORM 1.2 run-time adapter of an exported lesson (scorm/<lesson>.zip): reports the lesson's quiz score to the
// learning-management system through the API object the LMS puts in a parent (or opener) window.
//   LMSInitialize("") on load; cmi.core.lesson_status "incomplete" until every quiz is answered, then
//   "passed"/"failed"; cmi.core.score.raw = percent of questions answered correctly (min 0, max 100);
//   LMSCommit("") after each change; cmi.core.session_time and LMSFinish("") when the page goes away.
import {watchQuiz} from "./quiz-events.js";

// The standard search: up the parent chain, then the opener's (ADL's SCORM 1.2 run-time guidance).
export function findAPI(win = window) {
  function search(w) {
    for (let depth = 0; w && depth < 500; depth += 1) {
      try {
        if (w.API) return w.API;
      } catch { /* cross-origin window: keep climbing */ }
      if (w.parent === w) break;
      w = w.parent;
    }
    return null;
  }
  let api = search(win);
  if (!api && win.opener) api = search(win.opener);
  return api;
}

// SCORM 1.2's CMITimespan: HHHH:MM:SS.SS
export function sessionTime(ms) {
  const total = ms / 1000;
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = (total % 60).toFixed(2).padStart(5, "0");
  return `${String(hours).padStart(4, "0")}:${String(minutes).padStart(2, "0")}:${seconds}`;
}

// Report the quizzes under `roots` to an initialized API.
export function connect(api, roots) {
  const states = new Map();
  let finished = false;

  function set(name, value) {
    api.LMSSetValue(name, String(value));
  }

  function report() {
    let score = 0;
    let max = 0;
    let complete = true;
    let passed = true;
    for (const root of roots) {
      const state = states.get(root).state();
      score += state.score;
      max += state.max;
      if (state.answers.length < state.max) complete = false;
      if (!state.passed) passed = false;
    }
    set("cmi.core.score.min", 0);
    set("cmi.core.score.max", 100);
    set("cmi.core.score.raw", max ? Math.round((100 * score) / max) : 0);
    set("cmi.core.lesson_status", complete ? (passed ? "passed" : "failed") : "incomplete");
    api.LMSCommit("");
  }

  const status = api.LMSGetValue ? api.LMSGetValue("cmi.core.lesson_status") : "";
  if (!status || status === "not attempted") set("cmi.core.lesson_status", "incomplete");
  for (const root of roots) states.set(root, watchQuiz(root, {onAnswered: report, onCompleted: report}));

  const started = Date.now();
  function finish() {
    if (finished) return;
    finished = true;
    set("cmi.core.session_time", sessionTime(Date.now() - started));
    api.LMSCommit("");
    api.LMSFinish("");
  }
  window.addEventListener("pagehide", finish);
  window.addEventListener("beforeunload", finish);
  return {report, finish};
}

function start() {
  const api = findAPI();
  if (!api) {
    console.warn("sequencehub: no SCORM 1.2 API found; the score stays in this browser");
    return;
  }
  if (String(api.LMSInitialize("")) !== "true") {
    console.warn("sequencehub: LMSInitialize failed", api.LMSGetLastError && api.LMSGetLastError());
    return;
  }
  window.sequencehubScorm = connect(api, Array.from(document.querySelectorAll("[data-quiz]")));
}

start();
