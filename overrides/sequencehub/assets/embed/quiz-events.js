// Quiz outcomes as plain callbacks, for the postMessage bridge and the SCORM adapter.
// The quiz widget (quiz/quiz.js) dispatches bubbling CustomEvents on its root `[data-quiz]`:
//   "sequencehub:answered"  detail {quiz, question, correct, xp, first}
//   "sequencehub:completed" detail {quiz, score, max, passed, xp}
// Where a quiz does not dispatch them, the stable test hooks stand in: a `[data-feedback]` gaining
// `data-correct="true|false"` is an answer to the `[data-question]` it sits in.

export const ANSWERED = "sequencehub:answered";
export const COMPLETED = "sequencehub:completed";

function questionsOf(root) {
  return Array.from(root.querySelectorAll("[data-question]"));
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
    const first = !answers.has(detail.question);
    const entry = {question: detail.question, correct: Boolean(detail.correct),
                   xp: Number(detail.xp) || 0, first: detail.first ?? first};
    answers.set(entry.question, entry);
    xp += entry.xp;
    onAnswered({quiz, ...entry});
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
    return {quiz, score, max, passed: max > 0 && score / max >= pass - 1e-9, xp};
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
    state() {
      return {...summary(), answers: Array.from(answers.values())};
    },
  };
}
