// The skill matrix: the course's lessons as a graph of prerequisites. Each node is a list item
// [data-skill-node="<lesson id>"][data-unlocked="true|false"] holding a link to its lesson, laid out in layers
// (a lesson sits one layer below its deepest prerequisite) on a CSS grid; the arrows are an SVG drawn behind it
// (decorative: the list says the same in words). A node is unlocked when its lesson's quiz is passed.

import * as course from "./course.js";
import * as store from "./store.js";

const SVG = "http://www.w3.org/2000/svg";

function layers(lessons) {
  const byId = new Map(lessons.map((l) => [l.id, l]));
  const depth = new Map();
  const visit = (lesson, seen = new Set()) => {
    if (depth.has(lesson.id)) return depth.get(lesson.id);
    if (seen.has(lesson.id)) return 0;                     // a cycle: the plugin rejects them, stay safe anyway
    seen.add(lesson.id);
    const d = Math.max(-1, ...lesson.requires.filter((r) => byId.has(r)).map((r) => visit(byId.get(r), seen))) + 1;
    depth.set(lesson.id, d);
    return d;
  };
  lessons.forEach((l) => visit(l));
  const rows = [];
  for (const lesson of lessons) (rows[depth.get(lesson.id)] ||= []).push(lesson);
  return rows.filter(Boolean);
}

function node(lesson, names) {
  const li = document.createElement("li");
  li.className = "sh-skills__node";
  li.dataset.skillNode = lesson.id;
  const link = document.createElement("a");
  link.className = "sh-skills__link";
  link.href = course.lessonUrl(lesson);
  const title = document.createElement("span");
  title.className = "sh-skills__title";
  title.textContent = lesson.title;
  const state = document.createElement("span");
  state.className = "sh-skills__state";
  link.append(title, state);
  const requires = document.createElement("span");
  requires.className = "sh-skills__requires";
  requires.textContent = lesson.requires.length
    ? `Builds on: ${lesson.requires.map((r) => names.get(r) || r).join(", ")}` : "Start here";
  li.append(link, requires);
  return li;
}

function drawEdges(root, svg, lessons) {
  const box = root.getBoundingClientRect();
  svg.setAttribute("width", String(box.width));
  svg.setAttribute("height", String(box.height));
  svg.setAttribute("viewBox", `0 0 ${box.width} ${box.height}`);
  svg.querySelectorAll("path.sh-skills__edge").forEach((p) => p.remove());
  for (const lesson of lessons) {
    const to = root.querySelector(`[data-skill-node="${CSS.escape(lesson.id)}"]`);
    for (const req of lesson.requires) {
      const from = root.querySelector(`[data-skill-node="${CSS.escape(req)}"]`);
      if (!from || !to) continue;
      const a = from.getBoundingClientRect();
      const b = to.getBoundingClientRect();
      const x1 = a.left + a.width / 2 - box.left;
      const y1 = a.bottom - box.top;
      const x2 = b.left + b.width / 2 - box.left;
      const y2 = b.top - box.top - 4;
      const mid = (y1 + y2) / 2;
      const path = document.createElementNS(SVG, "path");
      path.setAttribute("d", `M${x1},${y1} C${x1},${mid} ${x2},${mid} ${x2},${y2}`);
      path.setAttribute("class", `sh-skills__edge${from.dataset.unlocked === "true" ? " sh-skills__edge--done" : ""}`);
      path.setAttribute("marker-end", "url(#sh-skills-arrow)");
      svg.append(path);
    }
  }
}

export function mount(el) {
  const lessons = course.get().lessons;
  if (!lessons.length) {
    el.textContent = "This site has no lessons with skills yet.";
    return;
  }
  const names = new Map(lessons.map((l) => [l.id, l.title]));
  const rows = layers(lessons);
  const width = Math.max(...rows.map((r) => r.length));
  const list = document.createElement("ol");
  list.className = "sh-skills__graph";
  list.setAttribute("aria-label", "Skills, in the order to learn them");
  list.style.gridTemplateColumns = `repeat(${2 * width}, minmax(0, 1fr))`;
  rows.forEach((row, r) => row.forEach((lesson, i) => {
    const li = node(lesson, names);
    li.style.gridRow = String(r + 1);
    li.style.gridColumn = `${width - row.length + 2 * i + 1} / span 2`;
    list.append(li);
  }));
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "sh-skills__edges");
  svg.setAttribute("aria-hidden", "true");
  svg.innerHTML = '<defs><marker id="sh-skills-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" ' +
    'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"></path></marker></defs>';
  const summary = document.createElement("p");
  summary.className = "sh-skills__summary";
  summary.setAttribute("aria-live", "polite");
  const canvas = document.createElement("div");
  canvas.className = "sh-skills__canvas";
  canvas.append(svg, list);
  el.classList.add("sh-skills");
  el.replaceChildren(summary, canvas);

  function update() {
    const data = store.get();
    let count = 0;
    for (const lesson of lessons) {
      const li = list.querySelector(`[data-skill-node="${CSS.escape(lesson.id)}"]`);
      const open = course.unlocked(lesson, data, lessons);
      const next = !open && course.available(lesson, data, lessons);
      count += open ? 1 : 0;
      li.dataset.unlocked = String(open);
      li.dataset.state = open ? "unlocked" : next ? "available" : "locked";
      const best = Math.max(0, ...lesson.quizzes.map((q) => (store.quiz(q.id) || {best: 0}).best));
      const score = best > 0 ? ` (best: ${Math.round(best * 100)}% right first time)` : "";
      li.querySelector(".sh-skills__state").textContent =
        open ? "Unlocked: quiz passed" : next ? `Next up: pass its quiz to unlock${score}` :
        "Locked: finish what it builds on first";
    }
    summary.textContent = `${count} of ${lessons.length} skills unlocked · ${store.totalXp(data)} XP`;
    drawEdges(canvas, svg, lessons);
  }
  const resize = new ResizeObserver(() => drawEdges(canvas, svg, lessons));
  const unsubscribe = store.subscribe(() => {
    if (el.isConnected) return update();
    unsubscribe();                                      // the page was swapped by instant navigation
    resize.disconnect();
  });
  resize.observe(canvas);
  update();
  el.dataset.status = "ready";
}
