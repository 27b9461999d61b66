/* The attempt page: one question a screen with a map, every answer saved when it is
   chosen. Answers wait in localStorage until the server has them, so a dropped
   connection or a closed tab loses nothing; each save carries a rising counter so
   the server keeps only the newest. The clock counts down from the server's figure. */
(function () {
  "use strict";
  var root = document.getElementById("take");
  if (!root) { return; }
  var form = document.getElementById("attempt-form");
  var net = document.getElementById("net");
  var map = document.getElementById("qmap");
  var questions = Array.prototype.slice.call(root.querySelectorAll(".tq"));
  var storeKey = "attempt-" + root.dataset.attempt;
  var csrf = form.querySelector("input[name=csrf_token]").value;
  var state = load();
  var sending = false;
  var current = 0;

  function load() {
    var saved = null;
    try { saved = JSON.parse(localStorage.getItem(storeKey)); } catch (e) { saved = null; }
    saved = saved || { seq: 0, pending: {} };
    saved.seq = Math.max(saved.seq || 0, parseInt(root.dataset.lastSeq, 10) || 0);
    return saved;
  }
  function persist() {
    try { localStorage.setItem(storeKey, JSON.stringify(state)); } catch (e) { /* private mode: memory only */ }
  }

  function responseOf(box) {
    var type = box.dataset.type;
    var inputs = box.querySelectorAll("input[name], select[name]");
    if (type === "multichoice") {
      var picked = [];
      inputs.forEach(function (i) { if (i.checked) { picked.push(parseInt(i.value, 10)); } });
      return picked.length ? { choices: picked } : null;
    }
    if (type === "truefalse") {
      var chosen = box.querySelector("input:checked");
      return chosen ? { value: chosen.value === "true" } : null;
    }
    if (type === "shortanswer") { return inputs[0].value.trim() ? { text: inputs[0].value } : null; }
    if (type === "numerical") { return inputs[0].value.trim() ? { value: inputs[0].value } : null; }
    if (type === "matching") {
      var pairs = {};
      var any = false;
      box.querySelectorAll("select").forEach(function (s) { if (s.value) { pairs[s.dataset.left] = s.value; any = true; } });
      return any ? { pairs: pairs } : null;
    }
    return null;
  }

  function say(text, kind) {
    if (!text) { net.hidden = true; return; }
    net.hidden = false;
    net.textContent = text;
    net.className = "net net-" + kind;
  }

  function pendingCount() { return Object.keys(state.pending).length; }

  function markDone(position, answered) {
    var button = map && map.querySelector('[data-go="' + position + '"]');
    if (button) { button.classList.toggle("done", answered); }
    var count = questions.filter(function (q) { return responseOf(q) !== null; }).length;
    document.getElementById("answered-count").textContent = count;
  }

  function record(box) {
    var response = responseOf(box);
    state.seq += 1;
    state.pending[box.dataset.position] = { response: response, seq: state.seq };
    persist();
    markDone(box.dataset.position, response !== null);
    flush();
  }

  function flush() {
    if (sending) { return; }
    var positions = Object.keys(state.pending);
    if (!positions.length) {
      say(null);
      return;
    }
    sending = true;
    var position = positions[0];
    var item = state.pending[position];
    fetch(root.dataset.answerUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      credentials: "same-origin",
      body: JSON.stringify({ position: parseInt(position, 10), response: item.response, seq: item.seq })
    }).then(function (reply) {
      sending = false;
      if (reply.status === 409) {
        localStorage.removeItem(storeKey);
        window.location = root.dataset.resultUrl;
        return;
      }
      if (!reply.ok && reply.status !== 400) { throw new Error("HTTP " + reply.status); }
      if (state.pending[position] && state.pending[position].seq === item.seq) { delete state.pending[position]; }
      persist();
      if (pendingCount()) { flush(); } else { say("Đã lưu.", "ok"); }
    }).catch(function () {
      sending = false;
      say("Mất kết nối: " + pendingCount() + " câu trả lời đang được giữ trên máy và sẽ tự gửi khi có mạng. " +
          "Em cứ làm tiếp, đừng tắt trang.", "off");
      window.setTimeout(flush, 5000);
    });
  }

  function show(index) {
    current = Math.max(0, Math.min(questions.length - 1, index));
    questions.forEach(function (q, i) { q.hidden = i !== current; });
    if (map) {
      map.querySelectorAll("button").forEach(function (b, i) {
        b.classList.toggle("here", i === current);
        if (i === current) { map.scrollLeft = b.offsetLeft - map.clientWidth / 2; }
      });
    }
    var first = questions[current].querySelector("input, select");
    questions[current].scrollIntoView({ block: "start" });
    return first;
  }

  // Answers a previous visit kept on this device and the server has not confirmed.
  Object.keys(state.pending).forEach(function (position) {
    var box = root.querySelector('.tq[data-position="' + position + '"]');
    var response = state.pending[position].response;
    if (!box) { return; }
    box.querySelectorAll("input[name], select[name]").forEach(function (input) {
      if (input.type === "radio" || input.type === "checkbox") {
        var value = box.dataset.type === "truefalse" ? (input.value === "true") : parseInt(input.value, 10);
        input.checked = !!response && (box.dataset.type === "truefalse" ? response.value === value
          : response.choices.indexOf(value) >= 0);
      } else if (input.tagName === "SELECT") {
        input.value = (response && response.pairs && response.pairs[input.dataset.left]) || "";
      } else {
        input.value = response ? (response.text || response.value || "") : "";
      }
    });
  });

  questions.forEach(function (box) {
    box.addEventListener("change", function () { record(box); });
    box.querySelectorAll("input[type=text]").forEach(function (input) {
      var timer = null;
      input.addEventListener("input", function () {
        window.clearTimeout(timer);
        timer = window.setTimeout(function () { record(box); }, 600);
      });
    });
    box.querySelectorAll("[data-step]").forEach(function (button) {
      button.addEventListener("click", function () { show(current + parseInt(button.dataset.step, 10)); });
    });
  });
  if (map) {
    map.hidden = false;
    map.addEventListener("click", function (event) {
      var go = event.target.dataset.go;
      if (go) { show(parseInt(go, 10) - 1); }
    });
  }
  root.classList.add("one-at-a-time");
  show(0);

  form.addEventListener("submit", function (event) {
    if (pendingCount()) {
      event.preventDefault();
      say("Đang gửi nốt " + pendingCount() + " câu trả lời, em chờ có mạng rồi bấm Nộp bài lần nữa.", "off");
      flush();
      return;
    }
    localStorage.removeItem(storeKey);
  });
  window.addEventListener("online", flush);

  // The clock: the server's remaining seconds, counted with the monotonic clock.
  var timer = document.getElementById("timer");
  if (timer) {
    var end = performance.now() + parseInt(timer.dataset.remaining, 10) * 1000;
    var tick = function () {
      var left = Math.max(0, Math.round((end - performance.now()) / 1000));
      timer.textContent = Math.floor(left / 60) + ":" + ("0" + (left % 60)).slice(-2);
      timer.classList.toggle("timer-low", left <= 60);
      if (left === 0) {
        // Time is up on the server too: it finishes the attempt with what was saved.
        window.location = root.dataset.resultUrl;
        return;
      }
      window.setTimeout(tick, 500);
    };
    tick();
  }
  flush();
}());
