// The review player: the current frame as a timecode (HH:MM:SS:FF at the master's nominal
// rate, as the notes count it), the keys editors know (space, J/K/L, comma/period for one
// frame), a click on a note seeks to its frame, and pausing fills the note's timecode.
(function () {
  var player = document.querySelector(".player[data-fps]");
  if (!player) return;
  var video = player.querySelector("video");
  var shown = player.querySelector("output.tc");
  var fps = parseFloat(player.getAttribute("data-fps"));
  var frames = parseInt(player.getAttribute("data-frames"), 10);
  var rate = Math.max(1, Math.round(fps));
  var field = document.querySelector(".note-form .note-timecode");

  function two(n) { return (n < 10 ? "0" : "") + n; }

  function frameNow() {
    var frame = Math.floor(video.currentTime * fps + 1e-6);
    return Math.max(0, Math.min(frames - 1, frame));
  }

  function timecode(frame) {
    var seconds = Math.floor(frame / rate);
    return two(Math.floor(seconds / 3600)) + ":" + two(Math.floor(seconds / 60) % 60) + ":" +
      two(seconds % 60) + ":" + two(frame % rate);
  }

  function seekFrame(frame) {
    frame = Math.max(0, Math.min(frames - 1, frame));
    video.currentTime = (frame + 0.5) / fps;  // the middle of the frame: no rounding to the one before
  }

  function show() {
    var code = timecode(frameNow());
    shown.textContent = code;
    if (field && video.paused && document.activeElement !== field) field.value = code;
  }

  ["timeupdate", "seeked", "pause", "loadedmetadata"].forEach(function (name) {
    video.addEventListener(name, show);
  });

  document.querySelectorAll(".note-list .seek").forEach(function (button) {
    button.addEventListener("click", function () {
      video.pause();
      video.currentTime = parseFloat(button.getAttribute("data-seconds"));
      video.focus();
    });
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" ||
        target.tagName === "SELECT" || target.isContentEditable)) return;
    var key = event.key;
    if (key === " " || key === "k" || key === "K") {
      if (key === " " && target && target.tagName === "BUTTON") return;
      event.preventDefault();
      if (key === " " && video.paused) { video.playbackRate = 1; video.play(); } else { video.pause(); }
    } else if (key === "l" || key === "L") {
      event.preventDefault();
      if (video.paused) { video.playbackRate = 1; video.play(); }
      else { video.playbackRate = Math.min(8, video.playbackRate * 2); }
    } else if (key === "j" || key === "J") {
      event.preventDefault();  // browsers cannot play backwards: step back a second
      video.pause();
      seekFrame(frameNow() - rate);
    } else if (key === "," || key === "<") {
      event.preventDefault();
      video.pause();
      seekFrame(frameNow() - 1);
    } else if (key === "." || key === ">") {
      event.preventDefault();
      video.pause();
      seekFrame(frameNow() + 1);
    }
  });
  show();
})();

// Versions side by side: the two proxies play, pause and seek together.
(function () {
  var pair = document.querySelector(".compare-players[data-sync]");
  if (!pair) return;
  var videos = pair.querySelectorAll("video");
  if (videos.length !== 2) return;
  var before = videos[0], now = videos[1];
  var button = document.querySelector(".compare-play");
  var following = false;

  function follow(from, to) {
    from.addEventListener("seeked", function () {
      if (following) return;
      following = true;
      to.currentTime = from.currentTime;
      following = false;
    });
    from.addEventListener("play", function () { if (to.paused) to.play(); });
    from.addEventListener("pause", function () { if (!to.paused) to.pause(); });
  }
  follow(before, now);
  follow(now, before);
  if (button) {
    button.addEventListener("click", function () {
      if (now.paused) { before.currentTime = now.currentTime; now.play(); } else { now.pause(); }
    });
  }
  pair.querySelectorAll("video").forEach(function (video) { video.controls = true; });
})();
