/* A job's page: asks the server for the job's state every 2 seconds until it is done or
   failed, and updates the bar, the count and the message in place. */
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) { return; }
  var labels = {queued: "Đang chờ", running: "Đang chạy", done: "Đã xong", failed: "Không thành công"};

  function show(state) {
    box.dataset.status = state.status;
    document.getElementById("job-status").textContent = labels[state.status] || state.status;
    document.getElementById("job-progress").value = state.progress;
    document.getElementById("job-count").textContent = state.total ? state.done + "/" + state.total : "";
    var message = document.getElementById("job-message");
    message.textContent = state.message || "";
    if (state.status === "failed") { message.className = "flash error"; message.setAttribute("role", "alert"); }
    if (state.status === "done" && state.has_file) { document.getElementById("job-download").hidden = false; }
    var wait = document.getElementById("job-wait");
    if (wait && (state.status === "done" || state.status === "failed")) { wait.hidden = true; }
  }

  function poll() {
    if (box.dataset.status === "done" || box.dataset.status === "failed") { return; }
    fetch(box.dataset.url, {headers: {Accept: "application/json"}, credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) { if (state) { show(state); } })
      .catch(function () { /* the network came back or not: the next round tries again */ })
      .then(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 2000);
}());
