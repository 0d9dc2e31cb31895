// The episode page's media panel: say that an upload is under way, and follow the work on
// the current master (review material, packaging) until it ends, then show the result.
(function () {
  var form = document.querySelector("form.media-upload");
  if (form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[data-busy]");
      if (!button) return;
      button.disabled = true;
      button.textContent = button.getAttribute("data-busy");
    });
  }

  var panel = document.querySelector(".media-jobs[data-poll]");
  if (!panel || !window.fetch) return;
  var url = panel.getAttribute("data-poll");
  var every = 2500;

  function show(job) {
    var row = panel.querySelector('.job[data-job="' + job.id + '"]');
    if (!row) return false;
    if (job.state !== row.getAttribute("data-state") && job.state !== "running") return true;
    row.setAttribute("data-state", job.state);
    row.querySelector(".job-state").textContent = job.state_label;
    row.querySelector(".job-step").textContent = job.step_label;
    row.querySelector(".job-percent").textContent = job.percent + "%";
    var bar = row.querySelector("progress");
    bar.value = job.percent;
    bar.textContent = job.percent + "%";
    return false;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (data) {
        var ended = false;
        data.jobs.forEach(function (job) {
          if (show(job)) ended = true;
        });
        // A job finished or failed (or a new version came): the page shows its outcome.
        if (ended || !data.active) {
          window.location.reload();
          return;
        }
        setTimeout(poll, every);
      })
      .catch(function () {
        setTimeout(poll, every * 4);
      });
  }

  setTimeout(poll, every);
})();
