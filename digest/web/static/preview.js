// Live preview of target-role edits: posts the form to the JSON endpoint while the lead types.
// The page works without this script (the Preview button does the same with a reload).
(function () {
  "use strict";
  var form = document.getElementById("roles-form");
  var body = document.getElementById("preview-body");
  var region = document.getElementById("preview");
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
      region.setAttribute("data-updated", String(mine));
    }).catch(function () {
      if (mine === sequence) {
        body.textContent = "The preview is not available right now; use the Preview button.";
      }
    }).then(function () {
      if (mine === sequence) { region.removeAttribute("aria-busy"); }
    });
  }

  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 400);
  });
  form.addEventListener("change", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 100);
  });
})();
