// The course model the plugin writes into every page's <head> as JSON (#sequencehub-course):
//   {tracks: [name], lessons: [{id, title, url, requires, order, track, quizzes: [{id, questions, pass, xp}]}],
//    quizzes: {<id>: {questions (how many), question_ids, xp, pass, lesson}}}
// Lesson URLs are relative to the site root, found from this module's own URL (the site works under any path).

import * as store from "./store.js";

export const SITE_ROOT = new URL("../../../", import.meta.url);
let course = null;

export function get() {
  if (course) return course;
  const el = document.getElementById("sequencehub-course");
  try {
    course = el ? JSON.parse(el.textContent) : null;
  } catch {
    course = null;
  }
  if (!course || !Array.isArray(course.lessons)) course = {tracks: [], lessons: [], quizzes: {}};
  return course;
}

/** The quizzes and questions of this course: a Map quiz id -> Set of its question ids (what an imported progress
 *  file may name). */
export function knownQuestions(c = get()) {
  const known = new Map();
  for (const [id, quiz] of Object.entries(c.quizzes || {})) {
    known.set(id, new Set(Array.isArray(quiz.question_ids) ? quiz.question_ids.map(String) : []));
  }
  return known;
}

export function lessonUrl(lesson) {
  return new URL(lesson.url, SITE_ROOT).href;
}

/** A lesson's skill is unlocked when every quiz on its page is passed (a lesson without a quiz: when all its
 *  prerequisites are unlocked). */
export function unlocked(lesson, data = store.get(), lessons = get().lessons) {
  if (lesson.quizzes.length) return lesson.quizzes.every((q) => store.passed(q.id, data));
  const byId = new Map(lessons.map((l) => [l.id, l]));
  return lesson.requires.every((id) => byId.has(id) && unlocked(byId.get(id), data, lessons));
}

/** Whether a lesson's prerequisites are all unlocked (it is the next thing to learn). */
export function available(lesson, data = store.get(), lessons = get().lessons) {
  const byId = new Map(lessons.map((l) => [l.id, l]));
  return lesson.requires.every((id) => byId.has(id) && unlocked(byId.get(id), data, lessons));
}

/** [{track, xp, max}] for every track, from the stored progress. */
export function trackXp(data = store.get()) {
  const c = get();
  return c.tracks.map((track) => {
    let xp = 0;
    let max = 0;
    for (const lesson of c.lessons.filter((l) => l.track === track)) {
      for (const q of lesson.quizzes) {
        xp += store.quizXp(q.id, data);
        max += q.questions * q.xp;
      }
    }
    return {track, xp, max};
  });
}
