// Math typesetting with the vendored KaTeX (assets/vendor/katex/), loaded on the first page that has math.
// pymdownx.arithmatex (generic mode) wraps each formula as <span class="arithmatex">\(...\)</span> or
// <div class="arithmatex">\[...\]</div>; this is Material's KaTeX recipe, with local files and lazy loading.

const AUTO_RENDER = new URL("../vendor/katex/contrib/auto-render.mjs", import.meta.url).href;
const DELIMITERS = [
  {left: "$$", right: "$$", display: true},
  {left: "$", right: "$", display: false},
  {left: "\\(", right: "\\)", display: false},
  {left: "\\[", right: "\\]", display: true},
];
let renderer = null;

function load() {
  if (!renderer) renderer = import(AUTO_RENDER).then((module) => module.default);
  return renderer;
}

/** Typeset every formula inside `root` that is not typeset yet. */
export async function typeset(root = document.body) {
  const pending = Array.from(root.querySelectorAll(".arithmatex")).filter((el) => !el.dataset.typeset);
  if (root.matches?.(".arithmatex") && !root.dataset.typeset) pending.push(root);
  if (!pending.length) return;
  const render = await load();
  for (const el of pending) {
    el.dataset.typeset = "true";
    render(el, {delimiters: DELIMITERS, throwOnError: false});
  }
}
