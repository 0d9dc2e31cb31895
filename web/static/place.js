// Placing an episode into an empty occurrence (空档) on the schedule grid, by drag and drop
// or by keyboard. The page's place form works without this script; this only chooses the
// episode and the occurrence in that form and submits it. Every sentence it says comes from
// the page (data-* of #place), in the reader's language.
(function () {
  "use strict";
  var panel = document.getElementById("place");
  if (!panel) return;
  var form = panel.querySelector("form.place-form");
  var live = document.getElementById("place-live");
  if (!form || !live) return;
  // In time order (the page lists them by channel and time of day): "slot@UTC start".
  var targets = Array.prototype.slice.call(document.querySelectorAll(".drop-target"));
  function at(target) { return target.getAttribute("data-occurrence").split("@")[1]; }
  targets.sort(function (a, b) { return at(a) < at(b) ? -1 : at(a) > at(b) ? 1 : 0; });
  var held = null; // the card picked up by keyboard
  var current = -1; // index in targets while choosing by keyboard

  function sentence(key, values) {
    var text = panel.getAttribute("data-" + key) || "";
    Object.keys(values || {}).forEach(function (name) {
      text = text.split("{" + name + "}").join(values[name]);
    });
    return text;
  }

  function say(key, values, before) {
    live.textContent = (before ? before + " " : "") + sentence(key, values);
  }

  function where(target) {
    return target.getAttribute("aria-label") || "";
  }

  function submit(card, target) {
    form.elements.episode.value = card.getAttribute("data-episode");
    form.elements.occurrence.value = target.getAttribute("data-occurrence");
    say("dropped", { title: card.getAttribute("data-title"), where: where(target) });
    form.submit();
  }

  function setChoosing(on) {
    document.body.classList.toggle("placing", on);
    targets.forEach(function (t) {
      if (on) {
        t.setAttribute("tabindex", "0");
        t.setAttribute("role", "button");
      } else {
        t.removeAttribute("tabindex");
        t.removeAttribute("role");
        t.classList.remove("over");
      }
    });
  }

  function focusTarget(index, before) {
    if (!targets.length) return;
    current = (index + targets.length) % targets.length;
    targets.forEach(function (t, i) { t.classList.toggle("over", i === current); });
    targets[current].focus();
    say("over", { where: where(targets[current]) }, before);
  }

  function pickUp(card) {
    if (!targets.length) { say("none"); return; }
    held = card;
    card.classList.add("held");
    card.setAttribute("aria-pressed", "true");
    setChoosing(true);
    focusTarget(0, sentence("picked", { title: card.getAttribute("data-title") }));
  }

  function putDown(announce) {
    if (!held) return;
    var card = held;
    held = null;
    current = -1;
    card.classList.remove("held");
    card.setAttribute("aria-pressed", "false");
    setChoosing(false);
    card.focus();
    if (announce) say("cancelled");
  }

  // --- keyboard
  panel.addEventListener("keydown", function (event) {
    var card = event.target.closest(".episode-card");
    if (!card || held) return;
    if (event.key === " " || event.key === "Enter") {
      event.preventDefault();
      event.stopPropagation(); // the same key must not also drop it
      pickUp(card);
    }
  });

  document.addEventListener("keydown", function (event) {
    if (!held) return;
    switch (event.key) {
      case "Escape":
        event.preventDefault();
        putDown(true);
        break;
      case "ArrowRight":
      case "ArrowDown":
        event.preventDefault();
        focusTarget(current + 1);
        break;
      case "ArrowLeft":
      case "ArrowUp":
        event.preventDefault();
        focusTarget(current - 1);
        break;
      case "Tab":
        event.preventDefault();
        focusTarget(current + (event.shiftKey ? -1 : 1));
        break;
      case "Enter":
      case " ":
        event.preventDefault();
        if (current >= 0) submit(held, targets[current]);
        break;
    }
  });

  // --- mouse (and pen) drag and drop
  panel.querySelectorAll(".episode-card").forEach(function (card) {
    card.setAttribute("aria-pressed", "false");
    card.addEventListener("dragstart", function (event) {
      event.dataTransfer.setData("text/plain", card.getAttribute("data-episode"));
      event.dataTransfer.effectAllowed = "move";
      card.classList.add("held");
      document.body.classList.add("placing");
      say("picked", { title: card.getAttribute("data-title") });
    });
    card.addEventListener("dragend", function () {
      card.classList.remove("held");
      document.body.classList.remove("placing");
    });
  });

  targets.forEach(function (target) {
    target.addEventListener("dragover", function (event) {
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      target.classList.add("over");
    });
    target.addEventListener("dragleave", function () {
      target.classList.remove("over");
    });
    target.addEventListener("click", function () {
      if (held) submit(held, target);
    });
    target.addEventListener("drop", function (event) {
      event.preventDefault();
      var id = event.dataTransfer.getData("text/plain");
      var card = panel.querySelector('.episode-card[data-episode="' + id + '"]');
      if (card) submit(card, target);
    });
  });
})();
