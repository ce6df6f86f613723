// Content wider than the screen (a long equation, a wide table, a diagram kept at a legible size on a phone) scrolls
// inside its own box. A box that actually scrolls becomes a named region a keyboard can reach (tabindex=0, role,
// aria-label), so it can be scrolled with the arrow keys; when the screen grows and it no longer scrolls, it goes
// back to being plain content (no useless tab stop). Checked on every page and whenever the width changes.

const KINDS = [
  [".md-typeset__scrollwrap", (el) => labelOf(el.querySelector("caption")) || "Table"],
  [".sh-math--display", () => "Equation"],
  [".sh-figure", (el) => labelOf(el.querySelector("svg title, figcaption")) || "Figure"],
];
const MARK = "shScroll";          // data-sh-scroll: attributes below were set here (and may be taken back)
let watching = false;
let frame = 0;

function labelOf(node) {
  const text = node ? node.textContent.replace(/\s+/g, " ").trim() : "";
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function scrolls(el) {
  return el.scrollWidth > el.clientWidth + 1 && /(auto|scroll)/.test(getComputedStyle(el).overflowX);
}

function mark(el, label) {
  if (el.dataset[MARK] === undefined && el.hasAttribute("tabindex")) return;   // someone else's region
  el.dataset[MARK] = "";
  el.tabIndex = 0;
  if (el.tagName !== "FIGURE") el.setAttribute("role", "region");     // a <figure> keeps its own role
  el.setAttribute("aria-label", `${label} (scrolls sideways)`);
}

function unmark(el) {
  if (el.dataset[MARK] === undefined) return;
  delete el.dataset[MARK];
  el.removeAttribute("tabindex");
  el.removeAttribute("role");
  el.removeAttribute("aria-label");
}

/** Mark every box under `root` that scrolls sideways now; unmark those that stopped. All boxes are measured
 * before any is changed: a change between two measurements would make the browser restyle and lay out the page
 * again for the next one. */
export function update(root = document) {
  const found = [];
  for (const [selector, label] of KINDS) {
    for (const el of root.querySelectorAll(selector)) {
      if (el.parentElement && el.parentElement.closest(selector)) continue;    // the outer box is the region
      found.push([el, label, scrolls(el)]);
    }
  }
  for (const [el, label, scrolling] of found) {
    if (scrolling) mark(el, label(el));
    else unmark(el);
  }
}

/** Check the page now and after every change of width (a rotated phone, a resized window). */
export function watch() {
  update();
  if (watching) return;
  watching = true;
  let width = window.innerWidth;
  window.addEventListener("resize", () => {
    if (window.innerWidth === width) return;
    width = window.innerWidth;
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(() => update());
  });
}
