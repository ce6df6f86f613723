// The XP badge in the site header: total XP ([data-xp-total]) and, in its popover, XP per track
// ([data-xp-track="<track>"]), a link to the skill matrix and the progress actions (export, import, reset).
// Mounted once per page load (Material's header survives instant navigation); not on embed pages.

import * as course from "./course.js";
import * as panel from "./panel.js";
import * as notice from "./notice.js";
import * as store from "./store.js";

let badge = null;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

function build() {
  const tracks = el("ul", {class: "sh-xp__tracks"});
  const skillsUrl = course.get().skills_url;
  const skills = skillsUrl ? el("a", {class: "sh-xp__skills", href: new URL(skillsUrl, course.SITE_ROOT).href}, "Open the skill matrix") : "";
  const popover = el("div", {id: "sh-xp-panel", class: "sh-xp__panel md-typeset", popover: "", role: "dialog",
                              "aria-label": "Your progress"},
    el("p", {class: "sh-xp__heading"}, "Your progress"), tracks, skills, el("div", {"data-progress-panel": "header"}));
  const total = el("span", {"data-xp-total": ""}, "0");
  const chips = el("span", {class: "sh-xp__chips", "aria-hidden": "true"});
  // The button's name is its visible text ("12 XP"); the per-track detail is its description, so what a
  // speech-input user sees is what they can say.
  const detail = el("span", {id: "sh-xp-detail", hidden: ""});
  const button = el("button", {type: "button", class: "sh-xp__button", popovertarget: "sh-xp-panel",
                               "aria-haspopup": "dialog", "aria-describedby": "sh-xp-detail",
                               title: "Your XP and progress"},
    el("span", {class: "sh-xp__star", "aria-hidden": "true"}, "★"), total, el("span", {class: "sh-xp__unit"}, " XP"),
    chips);
  const root = el("div", {class: "sh-xp", "data-sh-xp": ""}, button, detail, popover);
  panel.mount(popover.querySelector("[data-progress-panel]"));
  return {root, total, tracks, chips, button, detail};
}

function update() {
  const data = store.get();
  const xp = store.totalXp(data);
  badge.total.textContent = String(xp);
  const perTrack = course.trackXp(data);
  // wide screens also show each track's XP on the badge itself (the popover lists them for everyone)
  badge.chips.replaceChildren(...perTrack.map(({track, xp: got, max}) =>
    el("span", {class: "sh-xp__chip"}, `${track} ${got}/${max}`)));
  const byTrack = perTrack.map(({track, xp: got, max}) => `${track} ${got} of ${max}`).join(", ");
  badge.detail.textContent = `${byTrack ? `${byTrack}. ` : ""}Shows your progress.`;
  badge.tracks.replaceChildren(...perTrack.map(({track, xp: got, max}) => {
    const bar = el("progress", {max: String(Math.max(max, 1)), value: String(got), "aria-hidden": "true"});
    return el("li", {}, el("span", {class: "sh-xp__track"}, track), " ",
              el("span", {"data-xp-track": track}, String(got)), ` / ${max} XP`, bar);
  }));
}

export function mount() {
  const problem = store.takeProblem();
  if (problem) notice.show(problem);
  if (document.body.dataset.shEmbed !== undefined) return;
  if (badge && document.contains(badge.root)) return update();
  badge = build();
  const header = document.querySelector(".md-header__inner");
  if (header) {
    const before = header.querySelector(".md-header__option, .md-search, .md-header__source");
    header.insertBefore(badge.root, before);
  } else {
    badge.root.classList.add("sh-xp--floating");
    document.body.append(badge.root);
  }
  store.subscribe(update);
  update();
}
