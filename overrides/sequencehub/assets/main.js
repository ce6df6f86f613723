// Sequence Hub's one entry script, injected on every page as <script type="module">.
// Widgets opt in through markup; each widget module exports mount(el) and is imported lazily, the first time a
// page holds its markup:
//   [data-demo="<name>"]   -> ./demos/<name>.js
//   [data-quiz]            -> ./quiz/quiz.js
//   [data-skill-matrix]    -> ./progress/skills.js
//   [data-progress-panel]  -> ./progress/panel.js
// Material's instant navigation swaps the page without reloading scripts: document$ emits for every page, and
// mountAll() skips elements already mounted. Where document$ is absent (embed pages, other themes), the page is
// mounted once the DOM is ready. Math arrives typeset (KaTeX at build time); boxes wider than the screen become
// keyboard-reachable scroll regions (scroll-regions.js). Glossary terms show their definitions in tooltips
// (term-tips.js).

import * as scrollRegions from "./scroll-regions.js";
import {TermTips} from "./term-tips.js";

const WIDGETS = [
  ["[data-demo]", (el) => (/^[a-z0-9-]+$/.test(el.dataset.demo) ? `./demos/${el.dataset.demo}.js` : null)],
  ["[data-quiz]", () => "./quiz/quiz.js"],
  ["[data-skill-matrix]", () => "./progress/skills.js"],
  ["[data-progress-panel]", () => "./progress/panel.js"],
];
const mounted = new WeakSet();
const termTips = new TermTips(document);

function widgetFailed(el, error) {
  el.dataset.status = "error";
  const note = document.createElement("p");
  note.className = "sh-widget-error";
  note.setAttribute("role", "alert");
  note.textContent = `This part of the page could not start: ${error && error.message ? error.message : error}`;
  el.append(note);
  console.warn("sequencehub:", error);
}

function mountWidget(el, spec) {
  if (mounted.has(el)) return;
  mounted.add(el);
  if (!spec) return widgetFailed(el, new Error("unknown widget name"));
  import(new URL(spec, import.meta.url).href)
    .then((module) => module.mount(el))
    .catch((error) => widgetFailed(el, error));
}

export function mountAll(root = document) {
  for (const [selector, module] of WIDGETS) {
    for (const el of root.querySelectorAll(selector)) mountWidget(el, module(el));
  }
}

async function startProgress() {
  const header = await import(new URL("./progress/header.js", import.meta.url).href);
  header.mount();
}

// The page's own start-up runs in tasks of its own, after the one in which Material's bundle starts its components
// (document$ emits inside that task): a phone's main thread answers a tap between two tasks, never inside one, so
// every long task it is spared counts.
const nextTask = () => new Promise((resolve) => setTimeout(resolve));

async function onPage() {
  termTips.hide();                                   // a tooltip of the page before (instant navigation)
  await nextTask();
  scrollRegions.watch();
  await nextTask();
  mountAll();
  startProgress().catch((error) => console.warn("sequencehub: progress", error));
}

if (window.document$ && typeof window.document$.subscribe === "function") {
  window.document$.subscribe(() => onPage());
} else if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", onPage, {once: true});
} else {
  onPage();
}
