// The paper-sheet grid: Enter in a row's box moves to the next row's first box instead of
// sending the form, so a sheet can be typed without the mouse (Tab already moves box by box).
// Without this script Enter presses the form's first button, which checks the rows typed so far
// and stores nothing.
(function () {
  "use strict";
  var form = document.getElementById("paper-sheet-form");
  if (!form) {
    return;
  }
  form.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.shiftKey || event.ctrlKey || event.altKey || event.metaKey) {
      return;
    }
    var row = event.target.closest && event.target.closest("tr[data-row]");
    if (!row || event.target.tagName !== "INPUT") {
      return;
    }
    event.preventDefault();
    var next = row.nextElementSibling;
    var target = next ? next.querySelector("input") : document.getElementById("paper-sheet-save");
    if (target) {
      target.focus();
    }
  });
})();
