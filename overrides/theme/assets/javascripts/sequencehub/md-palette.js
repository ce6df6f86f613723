// Material for MkDocs' palette (its inline script and its toggle component) as one file, run right after the toggle
// is parsed (no inline script: see md-globals.js). Material's component, mounted once its bundle has loaded,
// applies the same palette again: it marks the body as switching (every element restyled), appends color-scheme
// and theme-color metas (restyled again), reads the header's computed style and unmarks the body (again): on a
// lesson full of typeset math that is a large part of a phone's main-thread time at load. Here the palette is
// applied once, while the page is still just its header, and again only when the reader toggles it. Same markup,
// same behaviour and the same storage (`__palette`: {index, color: {media, scheme, primary, accent}}), so Material's
// CSS, its search and a reader's saved choice carry over.
(function (form) {
  var inputs = Array.prototype.slice.call(form.querySelectorAll("input"));
  if (!inputs.length) return;
  var header = form.closest("header") || document.body;

  function meta(name) {
    var tag = document.querySelector("meta[name='" + name + "']");
    if (!tag) {
      tag = document.createElement("meta");
      tag.name = name;
      document.head.appendChild(tag);
    }
    return tag;
  }

  function stateOf(index) {
    var input = inputs[index];
    var color = {
      media: input.getAttribute("data-md-color-media"),
      scheme: input.getAttribute("data-md-color-scheme"),
      primary: input.getAttribute("data-md-color-primary"),
      accent: input.getAttribute("data-md-color-accent"),
    };
    if (color.media === "(prefers-color-scheme)") {
      // "automatic": the colours of the option made for the system's current scheme
      var light = matchMedia("(prefers-color-scheme: light)").matches;
      var system = form.querySelector(light
        ? "[data-md-color-media='(prefers-color-scheme: light)']"
        : "[data-md-color-media='(prefers-color-scheme: dark)']");
      if (system) {
        color.scheme = system.getAttribute("data-md-color-scheme");
        color.primary = system.getAttribute("data-md-color-primary");
        color.accent = system.getAttribute("data-md-color-accent");
      }
    }
    return { index: index, color: color };
  }

  var current = 0;
  function apply(state) {
    current = state.index;
    for (var key in state.color) {
      if (Object.prototype.hasOwnProperty.call(state.color, key)) {
        document.body.setAttribute("data-md-color-" + key, state.color[key]);
      }
    }
    inputs.forEach(function (input, index) {
      var label = input.nextElementSibling;
      if (label instanceof HTMLLabelElement) label.hidden = index !== state.index;
    });
    window.__md_set("__palette", state);
    // The browser's own surfaces follow the header: scroll bars and form controls (color-scheme), the address bar
    // on phones (theme-color)
    var style = getComputedStyle(header);
    meta("color-scheme").content = style.colorScheme;
    var rgb = style.backgroundColor.match(/\d+/g);
    if (rgb) {
      meta("theme-color").content = "#" + rgb.slice(0, 3).map(function (c) {
        return (+c).toString(16).padStart(2, "0");
      }).join("");
    }
  }

  var saved = window.__md_get("__palette");
  var start = saved && typeof saved.index === "number" ? saved.index : inputs.findIndex(function (input) {
    return matchMedia(input.getAttribute("data-md-color-media")).matches;
  });
  apply(stateOf(Math.max(0, Math.min(start, inputs.length - 1))));

  inputs.forEach(function (input, index) {
    input.addEventListener("change", function () { apply(stateOf(index)); });
  });
  // Material's keyboard behaviour: Enter on the focused option moves to the next one
  form.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") return;
    event.preventDefault();
    var next = inputs[(current + 1) % inputs.length];
    next.click();
    next.focus();
  });
  matchMedia("(prefers-color-scheme: light)").addEventListener("change", function () {
    if (inputs[current].getAttribute("data-md-color-media") === "(prefers-color-scheme)") apply(stateOf(current));
  });
})(document.querySelector("form[data-sh-palette]") || document.createElement("form"));
