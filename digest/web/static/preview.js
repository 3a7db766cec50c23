// Live preview of target-role edits: posts the form to the JSON endpoint while the lead types,
// fills the preview panel and the short summary bar (what a phone keeps in view), and keeps each
// collapsed role's one-line summary in step with its fields.
// The page works without this script (the Preview button does the same with a reload).
(function () {
  "use strict";
  var form = document.getElementById("roles-form");
  var body = document.getElementById("preview-body");
  var region = document.getElementById("preview");
  var bar = document.getElementById("preview-bar-text");
  if (!form || !body || !window.fetch) { return; }
  var url = form.getAttribute("data-preview-url");
  var token = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  var timer = null;
  var sequence = 0;

  function refresh() {
    var mine = ++sequence;
    region.setAttribute("aria-busy", "true");
    fetch(url, {
      method: "POST",
      body: new FormData(form),
      headers: { "X-CSRFToken": token, "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    }).then(function (data) {
      if (mine !== sequence) { return; }  // a newer edit is on its way
      body.innerHTML = data.html;  // rendered and escaped by the server
      if (bar && data.summary) { bar.innerHTML = data.summary; }
      region.setAttribute("data-updated", String(mine));
    }).catch(function () {
      if (mine === sequence) {
        body.textContent = "The preview is not available right now; use the Preview button.";
        if (bar) { bar.textContent = "Preview not available; use the Preview button."; }
      }
    }).then(function () {
      if (mine === sequence) { region.removeAttribute("aria-busy"); }
    });
  }

  function value(row, name) {
    var input = row.querySelector('input[name$="-' + name + '"]');
    return input ? input.value.trim() : "";
  }

  // The collapsed row says what the open one holds: "Marketing Manager  also Brand Manager".
  function summarize(row) {
    var name = row.querySelector(".role-name");
    var facts = row.querySelector(".role-facts");
    if (!name || !facts) { return; }
    name.textContent = value(row, "phrase") || "Add a new role";
    var parts = [];
    if (value(row, "synonyms")) { parts.push("also " + value(row, "synonyms")); }
    if (value(row, "exclude")) { parts.push("not " + value(row, "exclude")); }
    if (value(row, "required")) { parts.push("only with " + value(row, "required")); }
    facts.textContent = parts.join(" \u00b7 ");
  }

  // An opened role shows all of its fields, clear of the summary bar (scroll-padding in app.css).
  // Only when the lead opens it: rows open in the page's markup must not move the page.
  Array.prototype.forEach.call(form.querySelectorAll("details.role"), function (row) {
    var asked = false;
    var summary = row.querySelector("summary");
    if (summary) { summary.addEventListener("click", function () { asked = true; }); }
    row.addEventListener("toggle", function () {
      if (asked && row.open && row.scrollIntoView) { row.scrollIntoView({ block: "nearest" }); }
      asked = false;
    });
  });

  form.addEventListener("input", function (event) {
    var row = event.target.closest ? event.target.closest("details.role") : null;
    if (row) { summarize(row); }
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  });
  form.addEventListener("change", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 100);
  });
})();
