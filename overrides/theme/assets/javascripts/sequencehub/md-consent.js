// Material for MkDocs' cookie-consent script as a file (no inline script: see md-globals.js): restore the
// reader's choices into the consent form or show it, and save them when the form is submitted or reset.
(function () {
  var form = document.forms.consent;
  var consent = window.__md_get("__consent");
  if (consent) {
    for (var input of form.elements) if (input.name) input.checked = consent[input.name] || false;
  } else if (location.protocol !== "file:") {
    setTimeout(function () { document.querySelector("[data-md-component=consent]").hidden = false; }, 250);
  }
  ["submit", "reset"].forEach(function (action) {
    form.addEventListener(action, function (event) {
      event.preventDefault();
      if (event.type === "reset") {
        for (var field of form.elements) if (field.name) field.checked = false;
      }
      window.__md_set("__consent", Object.fromEntries(Array.from(new FormData(form).keys()).map(function (key) {
        return [key, true];
      })));
      location.hash = "";
      location.reload();
    });
  });
})();
