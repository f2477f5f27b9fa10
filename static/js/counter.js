// Characters left in each limited text field ("1,234 / 10,000 characters"), under the field.
// Loaded as a file (the content security policy allows no inline script).
(function () {
  "use strict";
  document.querySelectorAll("textarea[data-counter][maxlength]").forEach(function (field) {
    var limit = parseInt(field.getAttribute("maxlength"), 10);
    var counter = document.createElement("p");
    counter.className = "muted counter";
    counter.id = field.id + "-counter";
    counter.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", counter);
    var described = field.getAttribute("aria-describedby");
    field.setAttribute("aria-describedby", (described ? described + " " : "") + counter.id);
    function update() {
      counter.textContent = field.value.length.toLocaleString() + " / " +
        limit.toLocaleString() + " characters";
    }
    field.addEventListener("input", update);
    update();
  });
  // A form larger than the server accepts is stopped here, so nothing typed is lost.
  document.querySelectorAll("form[data-max-bytes]").forEach(function (form) {
    var limit = parseInt(form.getAttribute("data-max-bytes"), 10);
    form.addEventListener("submit", function (event) {
      var size = 0;
      new FormData(form).forEach(function (value) {
        size += typeof value === "string" ? new Blob([value]).size : value.size;
      });
      if (size > limit) {
        event.preventDefault();
        window.alert("This form is larger than the " + Math.round(limit / 1048576) +
          " MB the server accepts. Nothing was sent and your text is still here: shorten it.");
      }
    });
  });
})();
