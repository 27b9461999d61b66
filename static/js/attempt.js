/* The attempt page: one question a screen with a map, every answer saved when it is
   chosen. Answers wait in localStorage until the server has them, so a dropped
   connection or a closed tab loses nothing; each save carries a rising counter so
   the server keeps only the newest. The clock counts down from the server's figure.

   Every save the server stores comes back with its signed acknowledgement (and so does
   the prediction), kept here beside the answers. The submit is sent with fetch: when it
   cannot reach the server, the page offers those acknowledgements as an emergency
   receipt, a file and a QR code (static/js/qr.js) that a teacher uploads later
   (app/quiz/attempts/acks.py describes the code). */
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
  var flushFailed = false;  // the last try to send a kept answer did not reach the server
  var loggedOut = false;
  var current = 0;
  var submitButton = document.getElementById("submit-btn");

  function load() {
    var saved = null;
    try { saved = JSON.parse(localStorage.getItem(storeKey)); } catch (e) { saved = null; }
    saved = saved || { seq: 0, pending: {} };
    saved.seq = Math.max(saved.seq || 0, parseInt(root.dataset.lastSeq, 10) || 0);
    saved.acks = saved.acks || {};  // position -> {s: seq, t: server ms, d: digest, m: signature, r: response}
    saved.pseq = saved.pseq || 0;  // the prediction's own counter (position 0 of the receipt)
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
      var ack = reply.headers.get("X-Answer-Ack");
      return reply.json().then(function (data) {
        // Only the server's own confirmation of this save clears it from the phone.
        if (!data || data.seq !== item.seq) { throw new Error("no confirmation"); }
        keepAck(position, item.seq, item.response, ack);
        sending = false;
        flushFailed = false;
        if (state.pending[position] && state.pending[position].seq === item.seq) { delete state.pending[position]; }
        persist();
        if (pendingCount()) { flush(); } else { say("Đã lưu.", "ok"); }
      });
    }).catch(function () {
      sending = false;
      flushFailed = true;
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

  // The signed acknowledgements ("<server ms>.<digest>.<signature>", the X-Answer-Ack
  // header), the newest of each question, for a receipt.
  function keepAck(position, seq, response, ack) {
    var held = state.acks[position];
    var parts = (ack || "").split(".");
    if (parts.length !== 3 || (held && held.s > seq)) { return; }
    state.acks[position] = { s: seq, t: parseInt(parts[0], 10), d: parts[1], m: parts[2], r: response };
    persist();
  }

  // The prediction is stored by the submit only; the server signs it as it is typed.
  var predictionInput = document.getElementById("prediction");
  var predictionTimer = null;
  function signPrediction() {
    var value = predictionInput ? predictionInput.value.trim() : "";
    if (!/^\d{1,9}$/.test(value)) { return; }
    var held = state.acks[0];
    if (held && held.r === parseInt(value, 10)) { return; }
    state.pseq += 1;
    var seq = state.pseq;
    var prediction = parseInt(value, 10);
    persist();
    fetch(root.dataset.predictionUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      credentials: "same-origin",
      redirect: "manual",
      body: JSON.stringify({ prediction: prediction, seq: seq })
    }).then(function (reply) {
      if (!reply.ok) { return; }
      var ack = reply.headers.get("X-Answer-Ack");
      return reply.json().then(function (data) {
        if (data && data.seq === seq) { keepAck(0, seq, prediction, ack); }
      });
    }).catch(function () { /* offline: the last signed prediction stays in the receipt */ });
  }
  if (predictionInput) {
    predictionInput.addEventListener("input", function () {
      window.clearTimeout(predictionTimer);
      predictionTimer = window.setTimeout(signPrediction, 600);
    });
    predictionInput.addEventListener("change", signPrediction);
  }

  // The receipt: what the server signed, as a code (the file holds it, the QR code links to
  // the teacher's page with it after '#').
  function b64url(text) {
    return window.btoa(unescape(encodeURIComponent(text))).replace(/\+/g, "-").replace(/\//g, "_")
      .replace(/=+$/, "");
  }
  function receiptCode() {
    var items = Object.keys(state.acks).map(function (k) { return parseInt(k, 10); })
      .sort(function (a, b) { return a - b; }).map(function (position) {
        var a = state.acks[position];
        return [position, a.s, a.t.toString(36), a.d, a.m, b64url(JSON.stringify(a.r))].join(".");
      });
    return "R1." + root.dataset.attempt + "." + items.join("~");
  }
  function unconfirmed() {
    // answered on this phone, but the server never signed that answer (or a later one)
    return questions.filter(function (q) {
      var position = q.dataset.position;
      var pending = state.pending[position];
      if (pending) { return !state.acks[position] || state.acks[position].s < pending.seq; }
      return responseOf(q) !== null && !state.acks[position];
    }).length;
  }
  function receiptFile() {
    var answers = Object.keys(state.acks).filter(function (k) { return k !== "0"; }).map(function (k) {
      var a = state.acks[k];
      return { cau: parseInt(k, 10), tra_loi: a.r, lan_luu: a.s, may_chu_ky_luc: new Date(a.t).toISOString() };
    });
    return JSON.stringify({
      bien_nhan: "Biên nhận bài thi: các câu trả lời máy chủ đã nhận, có chữ ký của máy chủ",
      ma_bien_nhan: receiptCode(),
      bai_thi: parseInt(root.dataset.attempt, 10),
      hoc_sinh: root.dataset.student,
      dot_thi: root.dataset.round,
      tao_luc: new Date().toISOString(),
      du_doan: state.acks[0] ? state.acks[0].r : null,
      cau_tra_loi: answers,
      ghi_chu: "Chỉ mã biên nhận (ma_bien_nhan) có giá trị; các dòng khác để đọc. Sửa mã thì biên nhận bị từ chối."
    }, null, 2);
  }
  var receiptBox = document.getElementById("receipt");
  function offerReceipt() {
    submitButton.disabled = false;
    say(null);  // the receipt says what happened
    var signed = Object.keys(state.acks).filter(function (k) { return k !== "0"; }).length;
    var last = 0;
    Object.keys(state.acks).forEach(function (k) { last = Math.max(last, state.acks[k].t); });
    document.getElementById("receipt-summary").textContent = "Biên nhận có " + signed + "/" + questions.length +
      " câu trả lời máy chủ đã ký" + (state.acks[0] ? " và dự đoán " + state.acks[0].r : "") +
      (last ? ", lần ký cuối lúc " + new Date(last).toLocaleTimeString("vi-VN") : "") + ".";
    var missing = unconfirmed();
    var warn = document.getElementById("receipt-pending");
    warn.hidden = !missing;
    warn.textContent = missing ? missing + " câu trả lời chưa kịp gửi lên máy chủ nên không có trong biên nhận: " +
      "em báo thầy cô." : "";
    var figure = document.getElementById("receipt-qr");
    var old = figure.querySelector("svg, p");
    if (old) { figure.removeChild(old); }
    var drawn = window.QR && window.QR.svg(root.dataset.receiptUrl + "#" + receiptCode(), { level: "L" });
    if (!drawn) {
      drawn = document.createElement("p");
      drawn.textContent = "Biên nhận quá dài cho mã QR: em dùng tệp tải về.";
    } else {
      drawn.setAttribute("role", "img");
      drawn.setAttribute("aria-label", "Mã QR của biên nhận");
    }
    figure.insertBefore(drawn, figure.firstChild);
    receiptBox.hidden = false;
    receiptBox.scrollIntoView({ block: "start" });
    receiptBox.focus({ preventScroll: true });
  }
  document.getElementById("receipt-download").addEventListener("click", function () {
    var blob = new Blob([receiptFile()], { type: "application/json" });
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = "bien-nhan-bai-" + root.dataset.attempt + ".json";
    document.body.appendChild(link);
    link.click();
    document.body.removeChild(link);
    window.setTimeout(function () { URL.revokeObjectURL(link.href); }, 10000);
  });
  document.getElementById("receipt-retry").addEventListener("click", function () { sendSubmit(); });

  // The submit, sent with fetch so that a network failure is told from the server's answer.
  function sendSubmit() {
    submitButton.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "Accept": "application/json", "X-CSRFToken": csrf },
      credentials: "same-origin"
    }).then(function (reply) {
      if (reply.status >= 502 && reply.status <= 504) { throw new Error("HTTP " + reply.status); }
      var type = reply.headers.get("Content-Type") || "";
      if (!reply.ok || type.indexOf("application/json") < 0) {
        // Not the app's own answer (a refusal, a login page): let the browser show it.
        form.submit();
        return null;
      }
      return reply.json().then(function (data) {
        if (data.submitted) { localStorage.removeItem(storeKey); }
        window.location = data.next;
      });
    }).catch(offerReceipt);
  }

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
      if (flushFailed || !navigator.onLine) { offerReceipt(); }
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
    if (!form.querySelector('input[name="confirmed"]')) {
      var mark = document.createElement("input");
      mark.type = "hidden";
      mark.name = "confirmed";
      mark.value = "1";
      form.appendChild(mark);
    }
    event.preventDefault();
    sendSubmit();
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
        // Time is up on the server too: it finishes the attempt with what was saved. If the
        // server cannot be reached, the receipt is offered instead of a browser error page.
        fetch(root.dataset.resultUrl, { method: "HEAD", credentials: "same-origin" }).then(function () {
          window.location = root.dataset.resultUrl;
        }).catch(offerReceipt);
        return;
      }
      window.setTimeout(tick, 500);
    };
    tick();
  }
  flush();
}());
