// Material for MkDocs' banner scripts as one file (no inline script: see md-globals.js), run right after the
// banner it belongs to (data-md-banner on this tag): hide an announcement the reader dismissed, show the
// "outdated version" banner when the version selector marked this version outdated (data-md-base: the site root).
(function (script) {
  var banner = script.getAttribute("data-md-banner");
  if (banner === "announce") {
    var el = document.querySelector("[data-md-component=announce]");
    if (el) {
      var content = el.querySelector(".md-typeset");
      if (window.__md_hash(content.innerHTML) === window.__md_get("__announce")) el.hidden = true;
    }
  } else if (banner === "outdated") {
    var box = document.querySelector("[data-md-component=outdated]");
    var base = new URL(script.getAttribute("data-md-base"), location);
    if (window.__md_get("__outdated", sessionStorage, base) === true && box) box.hidden = false;
  }
})(document.currentScript);
