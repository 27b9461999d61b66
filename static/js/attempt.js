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
  var loggedOut = false;
  var current = 0;
  var submitButton = document.getElementById("submit-btn");

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

  // The wire format of each question type (data-type of its box), read from the page
  // and shown again: the same list as the docstring of app/quiz/qtypes/__init__.py.
  // Choices are named by their displayed position; the server maps them back.
  function typed(key) {
    return {
      read: function (box) {
        var input = box.querySelector("input[name]");
        var response = {};
        response[key] = input.value;
        return input.value.trim() ? response : null;
      },
      show: function (box, response) { box.querySelector("input[name]").value = (response && response[key]) || ""; }
    };
  }
  var WIRE = {
    multichoice: {
      read: function (box) {
        var picked = [];
        box.querySelectorAll("input[name]").forEach(function (i) { if (i.checked) { picked.push(parseInt(i.value, 10)); } });
        return picked.length ? { choices: picked } : null;
      },
      show: function (box, response) {
        box.querySelectorAll("input[name]").forEach(function (i) {
          i.checked = !!response && response.choices.indexOf(parseInt(i.value, 10)) >= 0;
        });
      }
    },
    truefalse: {
      read: function (box) {
        var chosen = box.querySelector("input:checked");
        return chosen ? { value: chosen.value === "true" } : null;
      },
      show: function (box, response) {
        box.querySelectorAll("input[name]").forEach(function (i) {
          i.checked = !!response && response.value === (i.value === "true");
        });
      }
    },
    shortanswer: typed("text"),
    numerical: typed("value"),
    matching: {
      read: function (box) {
        var pairs = {};
        var any = false;
        box.querySelectorAll("select").forEach(function (s) { if (s.value) { pairs[s.dataset.left] = s.value; any = true; } });
        return any ? { pairs: pairs } : null;
      },
      show: function (box, response) {
        box.querySelectorAll("select").forEach(function (s) {
          s.value = (response && response.pairs && response.pairs[s.dataset.left]) || "";
        });
      }
    }
  };

  function responseOf(box) {
    var wire = WIRE[box.dataset.type];
    return wire ? wire.read(box) : null;
  }

  var quiet = null;
  function say(text, kind) {
    window.clearTimeout(quiet);
    if (!text) { net.hidden = true; return; }
    net.hidden = false;
    net.textContent = text;
    net.className = "net net-" + kind;
    // "Đã lưu." fades after a moment; a problem stays until it is solved
    if (kind === "ok") { quiet = window.setTimeout(function () { net.hidden = true; }, 2500); }
  }

  function pendingCount() { return Object.keys(state.pending).length; }

  function unansweredCount() {
    return questions.filter(function (q) { return responseOf(q) === null; }).length;
  }

  function markDone(position, answered) {
    var button = map && map.querySelector('[data-go="' + position + '"]');
    if (button) {
      button.classList.toggle("done", answered);
      button.setAttribute("aria-label", "Câu " + position + (answered ? ", đã trả lời" : ", chưa trả lời"));
    }
    document.getElementById("answered-count").textContent = questions.length - unansweredCount();
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
    if (sending || loggedOut) { return; }
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
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      credentials: "same-origin",
      redirect: "manual",  // a redirect (to the login page) is not a save
      body: JSON.stringify({ position: parseInt(position, 10), response: item.response, seq: item.seq })
    }).then(function (reply) {
      if (reply.status === 409) {
        sending = false;
        localStorage.removeItem(storeKey);
        window.location = root.dataset.resultUrl;
        return null;
      }
      if (reply.type === "opaqueredirect" || [400, 401, 403, 404].indexOf(reply.status) >= 0) {
        sending = false;
        sessionLost();
        return null;
      }
      if (!reply.ok) { throw new Error("HTTP " + reply.status); }
      return reply.json().then(function (data) {
        // Only the server's own confirmation of this save clears it from the phone.
        if (!data || data.seq !== item.seq) { throw new Error("no confirmation"); }
        sending = false;
        if (state.pending[position] && state.pending[position].seq === item.seq) { delete state.pending[position]; }
        persist();
        if (pendingCount()) { flush(); } else { say("Đã lưu.", "ok"); }
      });
    }).catch(function () {
      sending = false;
      say("Mất kết nối: " + pendingCount() + " câu trả lời đang giữ trên máy, sẽ tự gửi khi có mạng. Em cứ làm tiếp.",
          "off");
      window.setTimeout(flush, 5000);
    });
  }

  // The login ended (logged out elsewhere, cookie cleared): the answers stay on this
  // phone and are sent when the student is back on this page after logging in.
  function sessionLost() {
    loggedOut = true;
    window.clearTimeout(quiet);
    var back = window.location.pathname;
    net.hidden = false;
    net.className = "net net-off";
    net.textContent = "Phiên đăng nhập đã hết: " + pendingCount() + " câu trả lời đang giữ trên máy. ";
    var link = document.createElement("a");
    link.href = root.dataset.loginUrl + "?next=" + encodeURIComponent(back);
    link.textContent = "Đăng nhập lại để gửi tiếp";
    net.appendChild(link);
  }

  function show(index, moveFocus) {
    current = Math.max(0, Math.min(questions.length - 1, index));
    questions.forEach(function (q, i) { q.hidden = i !== current; });
    if (map) {
      map.querySelectorAll("button").forEach(function (b, i) {
        b.classList.toggle("here", i === current);
        if (i === current) {
          b.setAttribute("aria-current", "step");
          map.scrollLeft = b.offsetLeft - map.clientWidth / 2;
        } else {
          b.removeAttribute("aria-current");
        }
      });
    }
    skip.setAttribute("href", "#" + questions[current].id);
    questions[current].scrollIntoView({ block: "start" });
    // Moving on with the keyboard or a screen reader lands on the new question.
    if (moveFocus) { questions[current].focus({ preventScroll: true }); }
  }

  // Answers a previous visit kept on this device and the server has not confirmed.
  Object.keys(state.pending).forEach(function (position) {
    var box = root.querySelector('.tq[data-position="' + position + '"]');
    var response = state.pending[position].response;
    var wire = box && WIRE[box.dataset.type];
    if (wire) { wire.show(box, response); }
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
      button.addEventListener("click", function () { show(current + parseInt(button.dataset.step, 10), true); });
    });
  });
  var skip = document.getElementById("skip-map");
  skip.addEventListener("click", function (event) {
    event.preventDefault();
    show(current, true);
  });
  if (map) {
    map.hidden = false;
    map.addEventListener("click", function (event) {
      var button = event.target.closest("[data-go]");
      if (button) { show(parseInt(button.dataset.go, 10) - 1, true); }
    });
  }
  root.classList.add("one-at-a-time");
  show(0, false);

  // "Nộp bài" asks first when questions are left blank, saying how many.
  var confirmBox = document.getElementById("confirm-submit");
  var confirmed = false;
  document.getElementById("confirm-yes").addEventListener("click", function () {
    confirmed = true;
    confirmBox.hidden = true;
    submitButton.hidden = false;
    if (form.requestSubmit) { form.requestSubmit(submitButton); } else { submitButton.click(); }
  });
  document.getElementById("confirm-no").addEventListener("click", function () {
    confirmBox.hidden = true;
    submitButton.hidden = false;
    var firstBlank = questions.findIndex(function (q) { return responseOf(q) === null; });
    show(firstBlank >= 0 ? firstBlank : current, true);
  });

  form.addEventListener("submit", function (event) {
    if (loggedOut) {
      event.preventDefault();
      sessionLost();
      net.scrollIntoView({ block: "nearest" });
      return;
    }
    if (pendingCount()) {
      event.preventDefault();
      say("Đang gửi nốt " + pendingCount() + " câu trả lời, em chờ có mạng rồi bấm Nộp bài lần nữa.", "off");
      flush();
      return;
    }
    var blank = unansweredCount();
    if (blank && !confirmed) {
      event.preventDefault();
      document.getElementById("confirm-text").textContent = "Em còn " + blank + "/" + questions.length +
        " câu chưa trả lời. Em vẫn muốn nộp bài?";
      confirmBox.hidden = false;
      submitButton.hidden = true;
      document.getElementById("confirm-yes").focus();
      return;
    }
    var mark = document.createElement("input");
    mark.type = "hidden";
    mark.name = "confirmed";
    mark.value = "1";
    form.appendChild(mark);
    localStorage.removeItem(storeKey);
  });
  window.addEventListener("online", flush);

  // The clock: the server's remaining seconds, counted with the monotonic clock.
  var timer = document.getElementById("timer");
  if (timer) {
    var end = performance.now() + parseInt(timer.dataset.remaining, 10) * 1000;
    var tick = function () {
      var left = Math.max(0, Math.round((end - performance.now()) / 1000));
      var two = function (n) { return ("0" + n).slice(-2); };
      var hours = Math.floor(left / 3600);
      timer.textContent = hours ? hours + ":" + two(Math.floor(left % 3600 / 60)) + ":" + two(left % 60)
        : Math.floor(left / 60) + ":" + two(left % 60);
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
