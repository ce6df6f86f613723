// An embed or SCORM page's palette, before its first paint (a classic script at the top of <body>: it runs while
// the page is parsed, and no inline script is needed, so a strict Content-Security-Policy holds).
//   ?theme=light|dark|auto   the colour scheme (anything else: light); auto follows the reader's system
// The page's palette attributes (data-md-color-*, on <html>) are copied onto <body>, where the widgets and
// Material's stylesheet read them.
(function (root, body) {
  var theme = new URLSearchParams(location.search).get("theme");
  if (theme === "auto") theme = matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  theme = theme === "dark" ? "dark" : "light";
  root.dataset.theme = theme;
  root.setAttribute("data-md-color-scheme", theme === "dark" ? "slate" : "default");
  root.style.colorScheme = theme;
  for (var i = 0; i < root.attributes.length; i++) {
    var attr = root.attributes[i];
    if (attr.name.indexOf("data-md-color-") === 0) body.setAttribute(attr.name, attr.value);
  }
})(document.documentElement, document.body);
