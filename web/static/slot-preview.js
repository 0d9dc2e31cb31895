// Live preview of a slot's next occurrences: the server computes them from the form as typed.
(function () {
  var form = document.getElementById("slot-form");
  if (!form || !window.fetch) return;
  var list = document.getElementById("preview-list");
  var empty = document.getElementById("preview-empty");
  var timer = null;
  var asked = 0;
  function show(data) {
    list.textContent = "";
    data.occurrences.forEach(function (line) {
      var item = document.createElement("li");
      item.textContent = line;
      list.appendChild(item);
    });
    empty.hidden = data.occurrences.length > 0;
    var refused = Object.keys(data.errors).length > 0;
    empty.textContent = empty.getAttribute(refused ? "data-refused" : "data-waiting");
    form.querySelectorAll(".field-error[data-field]").forEach(function (box) {
      var message = data.errors[box.getAttribute("data-field")];
      box.textContent = message || "";
      box.hidden = !message;
    });
  }
  function ask() {
    var params = new URLSearchParams(new FormData(form));
    params.delete("csrf_token");
    params.delete("action");
    var mine = ++asked;
    fetch(form.getAttribute("data-preview") + "?" + params.toString(), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) { return response.json(); })
      .then(function (data) { if (mine === asked) show(data); })
      .catch(function () {});
  }
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 300);
  });
  // On a page the server already answered (a preview, a refusal), keep what it showed.
  if (!list.children.length && !form.querySelector(".field-error:not([hidden])")) ask();
})();
