/* The waiting page of a queued start: asks the server (JSON) for the place now and
   then, shows it, and posts the start form as soon as the place is admitted. The
   place is the student's (by student and round), so a reload or a lost connection
   keeps it; a poll that fails is tried again. */
(function () {
  "use strict";
  var root = document.getElementById("waiting");
  if (!root) { return; }
  var form = document.getElementById("start-form");
  var place = document.getElementById("place");
  var wait = document.getElementById("wait");
  var started = false;

  function start() {
    if (started) { return; }
    started = true;
    place.textContent = "Đến lượt em: đang vào bài…";
    wait.textContent = "";
    if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
  }

  function later(seconds) {
    // a little spread, so that a school's phones do not ask in the same instant
    window.setTimeout(poll, Math.max(500, seconds * 1000 * (0.9 + Math.random() * 0.2)));
  }

  function poll() {
    fetch(root.dataset.pollUrl, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (reply) {
        if (!reply.ok) { throw new Error("HTTP " + reply.status); }
        return reply.json();
      })
      .then(function (data) {
        if (data.gone) {
          if (data.next) { window.location = data.next; } else { start(); }
          return;
        }
        if (data.admitted) { start(); return; }
        place.innerHTML = "";
        place.appendChild(document.createTextNode("Em đang ở vị trí "));
        var b = document.createElement("b");
        b.id = "position";
        b.textContent = data.position;
        place.appendChild(b);
        wait.textContent = "Khoảng " + data.wait_seconds + " giây nữa đến lượt em.";
        later(data.poll_seconds);
      })
      .catch(function () {
        wait.textContent = "Mất kết nối: em vẫn giữ chỗ, trang sẽ tự thử lại.";
        later(5);
      });
  }

  if (root.dataset.admitted === "1") { start(); } else { later(parseFloat(root.dataset.poll) || 2); }
}());
