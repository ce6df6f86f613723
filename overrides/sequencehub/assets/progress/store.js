// The reader's progress, kept in this browser's localStorage under one versioned key.
//
//   {schema: "sequencehub-progress", version: 1, updated: "<ISO date>",
//    quizzes: {<quiz id>: {
//      questions: {<question id>: {xp}},          every question ever answered, with the XP it earned so far
//                                                  (see retakeXp: the rule the quiz states next to itself)
//      attempt: {number, answers: {<question id>: {first, correct, answer, seed?}}},   the current attempt:
//                                                  `first` = its first answer was right, `correct` = the latest
//      passed, best}}}                             passed once = stays passed (a skill, once unlocked, stays)
//
// A quiz attempt is passed when, with every question answered, (right first answers) / (questions) >= pass.
// Data is validated whenever it is read (storage, another tab, an imported file). Unreadable or foreign data in
// storage is set aside under KEY + ":corrupt", progress starts afresh, and `problem` says why (the page shows it).
// Every id-keyed map is a null-prototype object and the prototype's own names are never ids, so no key a file
// carries can reach Object.prototype. An imported file may name only quizzes and questions this course has.

import {knownQuestions} from "./course.js";

export const KEY = "sequencehub:progress";
export const SCHEMA = "sequencehub-progress";
export const VERSION = 1;
const ID = /^[A-Za-z0-9_-]{1,80}$/;
const PROTOTYPE_KEYS = new Set(["__proto__", "constructor", "prototype"]);
const MAX_XP = 1e6;

let state = null;
let problem = null;          // a message when stored data had to be reset
let persistent = true;       // false when localStorage is unavailable
const listeners = new Set();

export function empty() {
  return {schema: SCHEMA, version: VERSION, updated: new Date(0).toISOString(), quizzes: dict()};
}

/** An id-keyed map with no prototype: "__proto__" or "constructor" would be plain keys, never inherited ones. */
function dict() {
  return Object.create(null);
}

function isId(key) {
  return ID.test(key) && !PROTOTYPE_KEYS.has(key);
}

function isObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function fail(message) {
  throw new Error(message);
}

function checkXp(value, where) {
  if (!Number.isInteger(value) || value < 0 || value > MAX_XP) fail(`${where}: XP must be a whole number`);
}

/** Return a clean copy of `data` if it is progress this site wrote, else throw an Error saying what is wrong.
 *  `known` (a Map quiz id -> Set of question ids, see course.knownQuestions) restricts the ids to this course's. */
export function validate(data, known = null) {
  if (!isObject(data)) fail("not a progress object");
  if (data.schema !== SCHEMA) fail("not Sequence Hub progress data");
  if (data.version !== VERSION) fail(`unsupported progress version ${JSON.stringify(data.version)}`);
  if (!isObject(data.quizzes)) fail("quizzes missing");
  const clean = empty();
  clean.updated = typeof data.updated === "string" && data.updated.length < 40 ? data.updated : clean.updated;
  const ids = Object.keys(data.quizzes);
  if (ids.length > 500) fail("too many quizzes");
  for (const id of ids) {
    const quiz = data.quizzes[id];
    if (!isId(id) || !isObject(quiz)) fail(`quiz ${JSON.stringify(id).slice(0, 40)} is malformed`);
    if (known && !known.has(id)) fail(`quiz ${JSON.stringify(id).slice(0, 40)} is not part of this course`);
    const questionIds = known ? known.get(id) : null;
    const checkQuestion = (qid, what) => {
      if (!isId(qid)) fail(`quiz ${id}: ${what} ${JSON.stringify(qid).slice(0, 40)} is malformed`);
      if (questionIds && !questionIds.has(qid)) {
        fail(`quiz ${id}: ${what} ${JSON.stringify(qid).slice(0, 40)} is not a question of this quiz`);
      }
    };
    if (!isObject(quiz.questions) || !isObject(quiz.attempt) || !isObject(quiz.attempt.answers)) {
      fail(`quiz ${id}: missing questions or attempt`);
    }
    const out = {questions: dict(), attempt: {number: 1, answers: dict()}, passed: quiz.passed === true, best: 0};
    for (const [qid, q] of Object.entries(quiz.questions)) {
      checkQuestion(qid, "question");
      if (!isObject(q)) fail(`quiz ${id}: question ${qid} is malformed`);
      checkXp(q.xp, `quiz ${id} ${qid}`);
      out.questions[qid] = {xp: q.xp};
    }
    const number = quiz.attempt.number;
    if (!Number.isInteger(number) || number < 1) fail(`quiz ${id}: bad attempt number`);
    out.attempt.number = number;
    for (const [qid, a] of Object.entries(quiz.attempt.answers)) {
      checkQuestion(qid, "answer");
      if (!isObject(a) || typeof a.first !== "boolean" || typeof a.correct !== "boolean") {
        fail(`quiz ${id}: answer ${qid} is malformed`);
      }
      const answer = {first: a.first, correct: a.correct, answer: null};
      if (typeof a.answer === "string" && a.answer.length <= 100) answer.answer = a.answer;
      else if (Array.isArray(a.answer) && a.answer.length <= 50 && a.answer.every(Number.isInteger)) {
        answer.answer = a.answer.slice();
      } else if (a.answer !== null && a.answer !== undefined) fail(`quiz ${id}: answer ${qid} has a bad value`);
      if (a.seed !== undefined) {
        if (!Number.isInteger(a.seed) || a.seed < 0) fail(`quiz ${id}: answer ${qid} has a bad seed`);
        answer.seed = a.seed;
      }
      out.attempt.answers[qid] = answer;
    }
    if (typeof quiz.best === "number" && quiz.best >= 0 && quiz.best <= 1) out.best = quiz.best;
    clean.quizzes[id] = out;
  }
  return clean;
}

function storage() {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

function read() {
  const store = storage();
  let raw = null;
  try {
    raw = store ? store.getItem(KEY) : null;
    if (!store) persistent = false;
  } catch {
    persistent = false;
  }
  if (!persistent) {
    problem = "This browser does not let the site store anything, so your progress lasts only until you leave.";
    return empty();
  }
  if (raw === null) return empty();
  try {
    return validate(JSON.parse(raw));
  } catch (error) {
    try {
      store.setItem(`${KEY}:corrupt`, raw.slice(0, 200000));
      store.setItem(KEY, JSON.stringify(empty()));
    } catch { /* storage full or blocked: nothing more to do */ }
    problem = `Your saved progress could not be read (${error.message}) and has been reset. ` +
      "A copy of the unreadable data was kept in this browser's storage.";
    return empty();
  }
}

function save() {
  state.updated = new Date().toISOString();
  if (!persistent) return;
  try {
    storage().setItem(KEY, JSON.stringify(state));
  } catch {
    persistent = false;
    problem = "Your progress could not be saved in this browser (storage is full or blocked).";
  }
}

function notify(type, detail = {}) {
  for (const cb of listeners) {
    try {
      cb({type, ...detail});
    } catch (error) {
      setTimeout(() => { throw error; });
    }
  }
}

/** The current progress (read and validated once; later changes arrive through subscribe). */
export function get() {
  if (!state) {
    state = read();
    window.addEventListener("storage", (event) => {
      if (event.key !== KEY) return;
      try {
        state = event.newValue ? validate(JSON.parse(event.newValue)) : empty();
      } catch {
        return;             // another tab wrote something odd: it will reset on its own next load
      }
      notify("sync");
    });
  }
  return state;
}

/** A message when stored progress had to be reset (shown once), else null. */
export function takeProblem() {
  get();
  const message = problem;
  problem = null;
  return message;
}

export function subscribe(cb) {
  listeners.add(cb);
  return () => listeners.delete(cb);
}

function quizRecord(id) {
  const quizzes = get().quizzes;
  if (!quizzes[id]) quizzes[id] = {questions: dict(), attempt: {number: 1, answers: dict()}, passed: false, best: 0};
  return quizzes[id];
}

export function quiz(id) {
  return get().quizzes[id] || null;
}

/**
 * XP that rewards learning. A question's first answer ever, when right, earns the quiz's XP for it (`full`).
 * Missed, it can still be earned: in each later attempt (a retake) whose FIRST answer to it is right, it earns
 * half of `full` more, up to `full`. So every point stays reachable, a right first answer is worth more, and only
 * first answers in an attempt count (clicking through options earns nothing).
 */
export function retakeXp(full) {
  return Math.ceil(full / 2);
}

function earnedXp(record, questionId, info, firstInAttempt) {
  const full = Math.max(0, Math.round(info.xp || 0));
  if (!info.correct || !full) return 0;
  const before = record.questions[questionId];
  if (!before) return full;
  if (!firstInAttempt) return 0;
  return Math.max(0, Math.min(full - before.xp, retakeXp(full)));
}

/**
 * Record an answer. `info` = {correct, answer, seed, xp (the quiz's XP per question), total (questions), pass}.
 * Returns {xp: XP earned now, first: first answer in this attempt, everFirst, summary: null | {score, max, passed}}
 * where summary is set when this answer completes the attempt.
 */
export function recordAnswer(quizId, questionId, info) {
  const record = quizRecord(quizId);
  const everFirst = !(questionId in record.questions);
  const answers = record.attempt.answers;
  const first = !(questionId in answers);
  const xp = earnedXp(record, questionId, info, first);
  record.questions[questionId] = {xp: (everFirst ? 0 : record.questions[questionId].xp) + xp};
  const entry = first ? {first: Boolean(info.correct)} : answers[questionId];
  entry.correct = Boolean(info.correct);
  entry.answer = info.answer ?? null;
  if (Number.isInteger(info.seed)) entry.seed = info.seed;
  answers[questionId] = entry;
  let summary = null;
  if (first && Object.keys(answers).length >= info.total) {
    summary = attemptSummary(record, info.total, info.pass);
    record.best = Math.max(record.best, summary.score / Math.max(1, summary.max));
    if (summary.passed) record.passed = true;
  }
  save();
  notify("answer", {quiz: quizId, question: questionId, xp});
  return {xp, first, everFirst, summary};
}

export function attemptSummary(record, total, pass) {
  const score = Object.values(record.attempt.answers).filter((a) => a.first).length;
  return {score, max: total, passed: total > 0 && score / total >= pass - 1e-9};
}

/**
 * Replace the current attempt's answers of a quiz with `answers` ({<question id>: {first, correct, answer,
 * seed?}}), as a learning-management system hands them back (scorm.js, from cmi.suspend_data). Checked as an
 * imported file is; XP and `passed` stay as this browser has them.
 */
export function setAttempt(quizId, answers) {
  const probe = validate({schema: SCHEMA, version: VERSION, quizzes: {
    [quizId]: {questions: {}, attempt: {number: 1, answers}, passed: false}}});
  const record = quizRecord(quizId);
  record.attempt = {number: record.attempt.number, answers: probe.quizzes[quizId].attempt.answers};
  save();
  notify("attempt", {quiz: quizId});
}

/** Start a new attempt at a quiz (XP already earned stays; passed stays). */
export function newAttempt(quizId) {
  const record = quizRecord(quizId);
  record.attempt = {number: record.attempt.number + 1, answers: dict()};
  save();
  notify("attempt", {quiz: quizId});
}

export function totalXp(data = get()) {
  let total = 0;
  for (const q of Object.values(data.quizzes)) {
    for (const question of Object.values(q.questions)) total += question.xp;
  }
  return total;
}

export function quizXp(id, data = get()) {
  const q = data.quizzes[id];
  return q ? Object.values(q.questions).reduce((sum, question) => sum + question.xp, 0) : 0;
}

export function passed(id, data = get()) {
  return Boolean(data.quizzes[id] && data.quizzes[id].passed);
}

export function reset() {
  state = empty();
  save();
  notify("reset");
}

/** The progress as a JSON file's text. */
export function exportText() {
  return JSON.stringify({...get(), exported: new Date().toISOString()}, null, 2);
}

/** Replace the progress with an exported file's text; throws an Error (nothing changes) when it is not valid,
 *  including when it names a quiz or question that this course (the page's course model) does not have. */
export function importText(text, known = knownQuestions()) {
  let data;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error("the file is not JSON");
  }
  state = validate(data, known);
  save();
  notify("import");
  return state;
}
