// A glossary term's definition in a tooltip, on hover (mouse) and on keyboard focus, in Material's tooltip style.
// A few listeners on the document and one tooltip element for the whole site visit, made the first time a term
// is pointed at: a page costs nothing at load however many terms it links. (Material's own content.tooltips
// mounts a tooltip for every titled element when the page loads: on a lesson that was most of its start-up.)
//
// A term's definition is its title (what a screen reader announces as its description, and the browser's tooltip
// without JavaScript). While the tooltip shows, the title moves into it and the tooltip describes the term
// (aria-describedby), so no browser tooltip doubles it; it moves back when the tooltip goes. The tooltip follows
// WCAG 1.4.13: Escape dismisses it, the pointer can move onto it, and it stays until the pointer or focus leaves.

const TERM = "a.sh-term";
const HIDE_DELAY = 150;         // ms for the pointer to cross from the term onto the tooltip

export class TermTips {
  constructor(doc = document) {
    this.doc = doc;
    this.tip = null;
    this.term = null;
    this.timer = 0;
    doc.addEventListener("pointerover", (event) => this.onOver(event));
    doc.addEventListener("pointerout", (event) => this.onOut(event));
    doc.addEventListener("focusin", (event) => this.onFocus(event));
    doc.addEventListener("focusout", (event) => { if (event.target === this.term) this.hide(); });
    doc.addEventListener("keydown", (event) => { if (event.key === "Escape" && this.term) this.hide(); });
    doc.addEventListener("scroll", () => { if (this.term && !this.term.contains(doc.activeElement)) this.hide(); },
      {passive: true});
  }

  termOf(node) {
    return node instanceof Element ? node.closest(TERM) : null;
  }

  onOver(event) {
    if (event.pointerType !== "mouse") return;       // a tap follows the link to the glossary
    const term = this.termOf(event.target);
    if (term) this.show(term);
    else if (this.tip && this.tip.contains(event.target)) clearTimeout(this.timer);
  }

  onOut(event) {
    if (!this.term || event.pointerType !== "mouse") return;
    const to = event.relatedTarget;
    if (to instanceof Node && (this.term.contains(to) || (this.tip && this.tip.contains(to)))) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.hide(), HIDE_DELAY);
  }

  onFocus(event) {
    const term = this.termOf(event.target);
    if (term && term === event.target && term.matches(":focus-visible")) this.show(term);
  }

  element() {
    if (!this.tip) {
      const tip = this.doc.createElement("div");
      tip.className = "md-tooltip sh-term-tip";
      tip.id = "sh-term-tip";
      tip.setAttribute("role", "tooltip");
      tip.setAttribute("aria-hidden", "true");         // transparent while not shown: out of the reading order too
      const inner = this.doc.createElement("div");
      inner.className = "md-tooltip__inner md-typeset";
      tip.append(inner);
      this.tip = tip;
    }
    if (!this.tip.isConnected) this.doc.body.append(this.tip);   // instant navigation may swap the body's content
    return this.tip;
  }

  show(term) {
    clearTimeout(this.timer);
    if (this.term === term) return;
    this.hide();
    const text = term.title;
    if (!text) return;
    const tip = this.element();
    tip.firstChild.textContent = text;
    term.removeAttribute("title");
    const box = term.getBoundingClientRect();
    tip.style.setProperty("--md-tooltip-x", `${box.left + window.scrollX}px`);
    tip.style.setProperty("--md-tooltip-y", `${box.bottom + window.scrollY + 8}px`);
    tip.classList.add("md-tooltip--active");
    tip.removeAttribute("aria-hidden");
    term.setAttribute("aria-describedby", tip.id);
    this.term = term;
  }

  hide() {
    clearTimeout(this.timer);
    const term = this.term;
    if (!term) return;
    this.tip.classList.remove("md-tooltip--active");
    this.tip.setAttribute("aria-hidden", "true");
    term.removeAttribute("aria-describedby");
    term.title = this.tip.firstChild.textContent;
    this.term = null;
  }
}
