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
})(document.currentScript);
