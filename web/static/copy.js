// Copy buttons: <button data-copy="ID"> copies the value of the input with that id.
document.addEventListener("click", function (event) {
  var button = event.target.closest("button[data-copy]");
  if (!button) return;
  var input = document.getElementById(button.getAttribute("data-copy"));
  if (!input) return;
  var label = button.textContent;
  function done(ok) {
    button.textContent = ok ? "✓" : label;
    setTimeout(function () { button.textContent = label; }, 1500);
  }
  input.select();
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(input.value).then(function () { done(true); }, function () {
      done(document.execCommand("copy"));
    });
  } else {
    done(document.execCommand("copy"));
  }
});
