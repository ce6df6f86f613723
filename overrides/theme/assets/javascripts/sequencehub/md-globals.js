// Material for MkDocs' head script as a file, so that pages need no inline script and a strict
// Content-Security-Policy (script-src 'self') holds. It defines the globals Material's bundle and its other page
// scripts use: the site's scope (from this tag's data-md-scope, the site root relative to the page) and small
// helpers that keep settings (palette, consent, tabs) in localStorage under that scope.
(function (script) {
  var scope = new URL(script.getAttribute("data-md-scope"), location);
  window.__md_scope = scope;
  window.__md_hash = function (text) {
    return Array.from(text).reduce(function (hash, ch) { return (hash << 5) - hash + ch.charCodeAt(0); }, 0);
  };
  window.__md_get = function (key, storage, at) {
    storage = storage || localStorage;
    at = at || window.__md_scope;
    return JSON.parse(storage.getItem(at.pathname + "." + key));
  };
  window.__md_set = function (key, value, storage, at) {
    storage = storage || localStorage;
    at = at || window.__md_scope;
    try {
      storage.setItem(at.pathname + "." + key, JSON.stringify(value));
    } catch (error) { /* storage full or blocked: the setting lasts for this page only */ }
  };

  // Changes Material's bundle makes once it has loaded, made here while the page is still only its head, where
  // they cost nothing; the bundle then finds them done and leaves the page alone. Made later, each restyles the
  // whole page: on a lesson full of typeset math, a large part of a phone's main-thread time at load.
  // - The "js" class on <html> (the bundle swaps it for "no-js": CSS keyed on either).
  document.documentElement.classList.replace("no-js", "js");
  // - The focus-visible polyfill's marks on <html> (its class and attribute; no stylesheet is keyed on them, so
  //   setting them early changes nothing else, and the polyfill's own setAttribute then finds them set).
  document.documentElement.classList.add("js-focus-visible");
  document.documentElement.setAttribute("data-js-focus-visible", "");
  // - With instant navigation, every relative href/src becomes absolute (the header and the nav outlive a page
  //   swap). For the stylesheet links above this script that change re-applies each stylesheet.
  if (script.hasAttribute("data-md-instant") && location.protocol !== "file:") {
    document.head.querySelectorAll("[href], [src]").forEach(function (el) {
      for (var attr of ["href", "src"]) {
        var value = el.getAttribute(attr);
        if (value && !/^(?:[a-z]+:)?\/\//i.test(value)) {
          el[attr] = el[attr];        // the same assignment as Material's, so its test then sees an absolute URL
          break;
        }
      }
    });
  }
})(document.currentScript);
