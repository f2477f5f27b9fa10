// Build progress without reloading: polls each running version's status and updates its bar.
// Loaded as a file (the content security policy allows no inline script).
(function () {
  "use strict";
  var rows = document.querySelectorAll("[data-review-status]");
  rows.forEach(function (row) {
    var url = row.getAttribute("data-review-status");
    var bar = row.querySelector("progress");
    var step = row.querySelector("[data-step]");
    var state = row.querySelector("[data-state]");
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          bar.value = data.progress;
          bar.textContent = data.progress + " %";
          step.textContent = data.status_line;
          state.textContent = data.state_label;
          if (data.finished) {
            window.location.reload();
          } else {
            window.setTimeout(poll, 1000);
          }
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    }
    poll();
  });
})();
