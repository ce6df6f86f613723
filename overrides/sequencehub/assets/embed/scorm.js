// SCORM 1.2 run-time adapter of an exported lesson (scorm/<lesson>.zip): reports the lesson's quiz score to the
// learning-management system through the API object the LMS puts in a parent (or opener) window.
//   Launch: LMSInitialize(""), then read what the LMS holds for this learner: cmi.core.lesson_mode,
//   cmi.core.lesson_status, cmi.core.score.raw and cmi.suspend_data (the answers of the current attempt, saved
//   by any earlier session on any device: they come back into the quizzes before they mount).
//   Each answer: cmi.core.score.raw = percent of questions answered right first time in the current attempt
//   (or, when the author set the plugin's scorm_score: best, right by now: <body data-sh-scorm-score="best">),
//   cmi.core.lesson_status "incomplete" until every quiz is answered, then "passed"/"failed"; cmi.suspend_data;
//   LMSCommit(""). Never less than the LMS already holds: a pass stays a pass, the best score stays.
//   Mode "browse"/"review": the learner looks, nothing is reported.
//   Leaving: cmi.core.session_time, LMSCommit(""), LMSFinish("").
import {passes, watchQuiz} from "./quiz-events.js";
import * as store from "../progress/store.js";

// SCORM 1.2 statuses from least to most: what the adapter reports is never lower than what the LMS holds.
const RANK = ["not attempted", "browsed", "incomplete", "failed", "completed", "passed"];
export const SUSPEND_MAX = 4096;          // CMIString4096: cmi.suspend_data's size in SCORM 1.2

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

export function higherStatus(a, b) {
  return RANK.indexOf(a) >= RANK.indexOf(b) ? a : b;
}

// cmi.suspend_data, compact: "1|<quiz>:<question>=<flags>[~<answer>[~<seed>]],...;<quiz>:..." where flags is
// 2*(first answer right) + (latest answer right), an answer is option indices joined by "." or the typed number.
// A lesson's quiz takes ~20 characters a question, far below SUSPEND_MAX; answers are dropped (flags kept) if a
// lesson ever needed more.
const SAFE = /^[A-Za-z0-9_-]+$/;

function encodeAnswer(answer) {
  if (Array.isArray(answer)) return answer.join(".");
  if (typeof answer === "string") {         // a number as typed: "," and "\u2212" as the quiz reads them
    return answer.replace(/\u2212/g, "-").replace(/,/g, ".").replace(/[^0-9eE+\-.]/g, "").slice(0, 40);
  }
  return "";
}

export function encodeSuspend(quizzes, withAnswers = true) {
  const parts = [];
  for (const [quiz, answers] of Object.entries(quizzes)) {
    if (!SAFE.test(quiz)) continue;
    const items = [];
    for (const [question, a] of Object.entries(answers)) {
      if (!SAFE.test(question)) continue;
      let item = `${question}=${2 * Number(a.first) + Number(a.correct)}`;
      if (withAnswers && ((a.answer !== null && a.answer !== undefined) || Number.isInteger(a.seed))) {
        item += `~${encodeAnswer(a.answer)}`;
        if (Number.isInteger(a.seed)) item += `~${a.seed}`;
      }
      items.push(item);
    }
    parts.push(`${quiz}:${items.join(",")}`);
  }
  const text = `1|${parts.join(";")}`;
  if (text.length > SUSPEND_MAX && withAnswers) return encodeSuspend(quizzes, false);
  return text.length > SUSPEND_MAX ? null : text;
}

// The inverse: {<quiz>: {<question>: {first, correct, answer, seed?}}}; whatever is malformed is left out
// (store.setAttempt checks the rest as it checks an imported file).
export function decodeSuspend(text, kinds = {}) {
  const out = {};
  if (typeof text !== "string" || !text.startsWith("1|")) return out;
  for (const part of text.slice(2).split(";")) {
    const colon = part.indexOf(":");
    const quiz = part.slice(0, colon);
    if (colon < 1 || !SAFE.test(quiz)) continue;
    const answers = {};
    for (const item of part.slice(colon + 1).split(",")) {
      const match = /^([A-Za-z0-9_-]+)=([0-3])(?:~([^~]*)(?:~(\d+))?)?$/.exec(item);
      if (!match) continue;
      const [, question, flags, answer, seed] = match;
      const entry = {first: (Number(flags) & 2) !== 0, correct: (Number(flags) & 1) !== 0, answer: null};
      const kind = kinds[`${quiz}/${question}`];
      if (answer !== undefined && answer !== "") {
        entry.answer = kind === "single" || kind === "multiple" ? answer.split(".").map(Number) : answer;
      }
      if (seed !== undefined) entry.seed = Number(seed);
      answers[question] = entry;
    }
    out[quiz] = answers;
  }
  return out;
}

// {"<quiz>/<question>": kind} from the quiz markup (how to read an answer back).
function questionKinds(roots) {
  const kinds = {};
  for (const root of roots) {
    for (const el of root.querySelectorAll("[data-question]")) {
      kinds[`${root.dataset.quiz}/${el.dataset.question}`] = el.dataset.kind;
    }
  }
  return kinds;
}

function get(api, name) {
  return api.LMSGetValue ? String(api.LMSGetValue(name) ?? "") : "";
}

// Put the answers the LMS saved back into this browser's store, before the quiz widgets mount and read it.
export function restore(api, roots) {
  const saved = decodeSuspend(get(api, "cmi.suspend_data"), questionKinds(roots));
  for (const root of roots) {
    const quiz = root.dataset.quiz;
    try {
      store.setAttempt(quiz, saved[quiz] || {});     // the LMS's record is this learner's, not the browser's
    } catch (error) {
      console.warn("sequencehub: saved answers for", quiz, "could not be read:", error.message);
    }
  }
}

// Report the quizzes under `roots` to an initialized API.
export function connect(api, roots) {
  const states = new Map();
  const mode = get(api, "cmi.core.lesson_mode");
  const reports = mode !== "browse" && mode !== "review";
  const best = document.body.dataset.shScormScore === "best";
  const held = {status: get(api, "cmi.core.lesson_status") || "not attempted",
                score: Number.parseFloat(get(api, "cmi.core.score.raw"))};
  let finished = false;

  function set(name, value) {
    api.LMSSetValue(name, String(value));
  }

  function current() {
    let score = 0;
    let max = 0;
    let complete = true;
    let passed = true;
    const quizzes = {};
    for (const root of roots) {
      const state = states.get(root).state();
      score += best ? state.right : state.score;
      max += state.max;
      if (state.answers.length < state.max) complete = false;
      if (!(best ? passes(state.right, state.max, state.pass) : state.passed)) passed = false;
      const record = store.quiz(root.dataset.quiz);
      quizzes[root.dataset.quiz] = record ? record.attempt.answers : {};
    }
    const percent = max ? Math.round((100 * score) / max) : 0;
    return {score: percent, status: complete ? (passed ? "passed" : "failed") : "incomplete", quizzes};
  }

  function report() {
    if (!reports) return;
    const now = current();
    const raw = Number.isFinite(held.score) ? Math.max(held.score, now.score) : now.score;
    set("cmi.core.score.min", 0);
    set("cmi.core.score.max", 100);
    set("cmi.core.score.raw", raw);
    set("cmi.core.lesson_status", higherStatus(held.status, now.status));
    const suspend = encodeSuspend(now.quizzes);
    if (suspend !== null) set("cmi.suspend_data", suspend);
    api.LMSCommit("");
  }

  if (reports && RANK.indexOf(held.status) < RANK.indexOf("incomplete")) {
    set("cmi.core.lesson_status", "incomplete");
    held.status = "incomplete";
  }
  for (const root of roots) states.set(root, watchQuiz(root, {onAnswered: report, onCompleted: report}));

  const started = Date.now();
  function finish() {
    if (finished) return;
    finished = true;
    if (reports) {
      set("cmi.core.session_time", sessionTime(Date.now() - started));
      set("cmi.core.exit", "suspend");           // the attempt goes on at the next launch (suspend_data)
      api.LMSCommit("");
    }
    api.LMSFinish("");
  }
  window.addEventListener("pagehide", finish);
  window.addEventListener("beforeunload", finish);
  return {report, finish, reports};
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
  const roots = Array.from(document.querySelectorAll("[data-quiz]"));
  restore(api, roots);
  window.sequencehubScorm = connect(api, roots);
}

start();
