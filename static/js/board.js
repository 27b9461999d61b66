/* The live board of a class session: the rows are fetched again every 5 seconds. */
(function () {
  "use strict";
  var rows = document.getElementById("board-rows");
  var note = document.getElementById("board-updated");
  if (!rows) { return; }
  function refresh() {
    fetch(rows.dataset.url, { credentials: "same-origin" }).then(function (reply) {
      if (!reply.ok) { throw new Error("HTTP " + reply.status); }
      return reply.text();
    }).then(function (html) {
      rows.innerHTML = html;
      note.textContent = "Cập nhật lúc " + new Date().toLocaleTimeString("vi-VN") + ".";
    }).catch(function () {
      note.textContent = "Mất kết nối, đang thử lại…";
    }).then(function () { window.setTimeout(refresh, 5000); });
  }
  window.setTimeout(refresh, 5000);
}());
