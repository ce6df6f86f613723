// Quiz outcomes as plain callbacks, for the postMessage bridge and the SCORM adapter.
// The quiz widget (quiz/quiz.js) dispatches bubbling CustomEvents on its root `[data-quiz]`:
//   "sequencehub:answered"  detail {quiz, question, correct, xp, first}
//   "sequencehub:completed" detail {quiz, score, max, passed, xp}
// Where a quiz does not dispatch them, the stable test hooks stand in: a `[data-feedback]` gaining
// `data-correct="true|false"` is an answer to the `[data-question]` it sits in.
// state() also holds the progress saved in this browser (progress/store.js) for the quiz's current attempt,
// so a reloaded unit reports the answers given before the reload.
import {quiz as savedQuiz} from "../progress/store.js";

export const ANSWERED = "sequencehub:answered";
export const COMPLETED = "sequencehub:completed";

/** Whether `right` of `max` questions pass a quiz that asks for the share `pass`. */
export function passes(right, max, pass) {
  return max > 0 && right / max >= pass - 1e-9;
}

function questionsOf(root) {
  return Array.from(root.querySelectorAll("[data-question]"));
}

// The current attempt as saved in this browser: [{question, correct, xp, first}] (`first`: its first answer was
// right; `xp`: what the question earned), and the quiz's XP; null when nothing is saved.
function saved(quiz) {
  let record = null;
  try {
    record = savedQuiz(quiz);
  } catch {
    return null;                   // storage blocked or unreadable: only this page's answers count
  }
  if (!record) return null;
  const answers = Object.entries(record.attempt.answers).map(([question, a]) => ({
    question, correct: a.correct, xp: record.questions[question] ? record.questions[question].xp : 0, first: a.first}));
  const xp = Object.values(record.questions).reduce((sum, q) => sum + q.xp, 0);
  return {answers, xp};
}

function questionId(root, question, index) {
  return question.dataset.question || `${root.dataset.quiz}/${index + 1}`;
}

// Track one quiz root; returns {state()} with the answers seen so far.
export function watchQuiz(root, {onAnswered = () => {}, onCompleted = () => {}} = {}) {
  const quiz = root.dataset.quiz;
  const answers = new Map();            // question id -> {question, correct, xp, first}
  let xp = 0;
  let sawEvents = false;             // the widget dispatches its own events: the fallback stands down
  let widgetCompletes = false;       // ... including "completed"
  let completedSent = false;

  function record(detail) {
    const before = answers.get(detail.question);
    const first = !before;
    const entry = {question: detail.question, correct: Boolean(detail.correct),
                   xp: Number(detail.xp) || 0, first: detail.first ?? first};
    entry.firstCorrect = before ? before.firstCorrect : entry.correct;
    entry.earned = (before ? before.earned : 0) + entry.xp;
    answers.set(entry.question, entry);
    xp += entry.xp;
    const {firstCorrect, earned, ...message} = entry;
    onAnswered({quiz, ...message});
    const max = questionsOf(root).length;
    // every question answered and the widget says nothing itself: derive "completed" (once), after the
    // widget had its turn to dispatch it
    if (answers.size === max && !completedSent) {
      setTimeout(() => { if (!widgetCompletes && !completedSent) complete(); }, 0);
    }
  }

  function summary() {
    const max = questionsOf(root).length;
    const score = Array.from(answers.values()).filter((a) => a.correct).length;
    const pass = Number(root.dataset.pass || 1);
    return {quiz, score, max, passed: passes(score, max, pass), xp};
  }

  function complete(detail) {
    completedSent = true;
    onCompleted(detail ? {...summary(), ...detail, quiz} : summary());
  }

  root.addEventListener(ANSWERED, (event) => {
    sawEvents = true;
    record(event.detail || {});
  });
  root.addEventListener(COMPLETED, (event) => {
    sawEvents = true;
    widgetCompletes = true;
    complete(event.detail || {});
  });

  // Fallback: feedback elements turning correct/incorrect.
  const seen = new WeakMap();
  new MutationObserver((mutations) => {
    if (sawEvents || root.dataset.mounted) return;   // the widget mounted: it speaks for itself (a reload redisplays saved answers)
    for (const m of mutations) {
      const el = m.target;
      if (!(el instanceof Element) || !el.matches("[data-feedback]")) continue;
      const value = el.getAttribute("data-correct");
      if ((value !== "true" && value !== "false") || seen.get(el) === value) continue;
      seen.set(el, value);
      const question = el.closest("[data-question]");
      const index = questionsOf(root).indexOf(question);
      if (index < 0) continue;
      const id = questionId(root, question, index);
      const correct = value === "true";
      const firstTime = !answers.has(id);
      const xpEach = Number(root.dataset.xp || 10);
      record({question: id, correct, xp: correct && firstTime ? xpEach : 0, first: firstTime});
    }
  }).observe(root, {subtree: true, attributes: true, attributeFilter: ["data-correct"], childList: true});

  return {
    // {quiz, score, right, max, pass, passed, xp, answers: [{question, correct, xp, first}]}: one answer per
    // question of the current attempt, saved ones included; score = questions right first time (as the widget
    // scores), right = questions whose latest answer is right, pass = the share needed to pass.
    state() {
      const merged = new Map();
      for (const a of answers.values()) {
        merged.set(a.question, {question: a.question, correct: a.correct, xp: a.earned, first: a.firstCorrect});
      }
      const stored = saved(quiz);
      for (const a of stored ? stored.answers : []) merged.set(a.question, a);   // the store saw every answer
      const list = Array.from(merged.values());
      const max = questionsOf(root).length;
      const score = list.filter((a) => a.first).length;
      const pass = Number(root.dataset.pass || 1);
      return {quiz, score, right: list.filter((a) => a.correct).length, max, pass,
              passed: passes(score, max, pass), xp: stored ? Math.max(stored.xp, xp) : xp, answers: list};
    },
  };
}
