// A form shown again after a refusal: bring its first error into view and put the cursor in
// the field it is about. The server marks each refused field aria-invalid and shows its
// message in a .field-error; whichever comes first on the page is the first error. A
// .field-warning (a question before saving) counts too: its button takes the focus.
(function () {
  "use strict";
  var CONTROLS = "input:not([type=hidden]),select,textarea";

  function controlOf(message) {
    if (message.id) {
      var described = document.querySelectorAll("[aria-describedby]");
      for (var i = 0; i < described.length; i++) {
        if (described[i].getAttribute("aria-describedby").split(/\s+/).indexOf(message.id) >= 0) {
          return described[i];
        }
      }
    }
    var group = message.closest("fieldset");
    if (group) return group.querySelector(CONTROLS);
    var form = message.closest("form");
    if (!form) return null;
    var before = null;
    form.querySelectorAll(CONTROLS).forEach(function (control) {
      var position = control.compareDocumentPosition(message);
      if (position & Node.DOCUMENT_POSITION_FOLLOWING) before = control;
    });
    return before;
  }

  function shown(message) {
    return !message.hidden && message.textContent.trim() !== "";
  }

  function firstError() {
    var found = document.querySelectorAll('[aria-invalid="true"], .field-error, .field-warning');
    for (var i = 0; i < found.length; i++) {
      var it = found[i];
      if (it.getAttribute("aria-invalid") === "true") return it;
      if (it.classList.contains("field-warning")) return it.querySelector("button") || it;
      if (shown(it)) return controlOf(it) || it;
    }
    return null;
  }

  var first = firstError();
  if (!first) return;
  if (first.matches(CONTROLS + ",button")) first.focus({ preventScroll: true });
  first.scrollIntoView({ block: "center" });
})();
