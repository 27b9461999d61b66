/* The live board of a class session: the rows are fetched again every 5 seconds and
   updated in place, row by row and cell by cell, so that keyboard focus stays where it
   is (a cell holding the focus waits for the next refresh once the focus has left). */
(function () {
  "use strict";
  var rows = document.getElementById("board-rows");
  var note = document.getElementById("board-updated");
  if (!rows) { return; }

  // The CSRF token of a form changes with each fetch: compare cells without it.
  function content(cell) {
    return cell.innerHTML.replace(/name="csrf_token" value="[^"]*"/g, "");
  }

  function syncRow(current, fresh, active) {
    if (current.className !== fresh.className) { current.className = fresh.className; }
    if (current.cells.length !== fresh.cells.length) {
      if (!current.contains(active)) { current.parentNode.replaceChild(fresh, current); }
      return;
    }
    Array.prototype.slice.call(fresh.cells).forEach(function (cell, i) {
      var old = current.cells[i];
      if (content(old) !== content(cell) && !old.contains(active)) { current.replaceChild(cell, old); }
    });
  }

  function update(html) {
    var fresh = document.createElement("tbody");
    fresh.innerHTML = html;
    var active = document.activeElement;
    var byKey = {};
    Array.prototype.forEach.call(rows.rows, function (row) { byKey[row.dataset.key] = row; });
    Array.prototype.slice.call(fresh.rows).forEach(function (row, i) {
      var current = byKey[row.dataset.key];
      delete byKey[row.dataset.key];
      if (!current) {
        rows.insertBefore(row, rows.rows[i] || null);
        return;
      }
      if (rows.rows[i] !== current && !current.contains(active)) { rows.insertBefore(current, rows.rows[i] || null); }
      syncRow(current, row, active);
    });
    Object.keys(byKey).forEach(function (key) {
      if (!byKey[key].contains(active)) { rows.removeChild(byKey[key]); }
    });
  }

  function refresh() {
    fetch(rows.dataset.url, { credentials: "same-origin" }).then(function (reply) {
      if (!reply.ok) { throw new Error("HTTP " + reply.status); }
      return reply.text();
    }).then(function (html) {
      update(html);
      note.textContent = "Cập nhật lúc " + new Date().toLocaleTimeString("vi-VN") + ".";
    }).catch(function () {
      note.textContent = "Mất kết nối, đang thử lại…";
    }).then(function () { window.setTimeout(refresh, 5000); });
  }
  window.setTimeout(refresh, 5000);
}());
