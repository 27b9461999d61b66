/* An entry's file sent in chunks, with a progress bar, that goes on where it stopped when
   the connection drops (the protocol is described in app/entries/uploads.py): the page asks
   for an upload, sends each chunk with its offset, and after a network error waits, asks
   the server how much it has, and continues from there. Once the file is complete the
   server checks it (and converts a phone video) in a background job, which this script
   follows until it is done. Without JavaScript the form posts the file whole. */
(function () {
  "use strict";
  var WAIT_MAX_MS = 30000;      // between tries after a network error
  var GIVE_UP_AFTER = 40;       // tries in a row (about 15 minutes), then the person is asked to try later
  var TIMEOUT_MS = 120000;      // a chunk of 5 MB over 0.35 Mbit/s

  // A file uploaded earlier that the server is still processing: its job is asked every few
  // seconds, and the page reloads once it is over (with the file, or the reason it was refused).
  document.querySelectorAll("[data-processing]").forEach(function (box) {
    var percent = box.querySelector("[data-percent]");
    function ask() {
      fetch(box.getAttribute("data-processing"), {headers: {Accept: "application/json"}, credentials: "same-origin"})
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (job) {
          if (job && (job.status === "done" || job.status === "failed")) { window.location.reload(); return; }
          if (job && percent) { percent.textContent = job.progress; }
          setTimeout(ask, 3000);
        }, function () { setTimeout(ask, 3000); });
    }
    setTimeout(ask, 3000);
  });

  document.querySelectorAll("form[data-upload][data-begin]").forEach(function (form) {
    var bar = form.querySelector("progress");
    var status = form.querySelector(".upload-status");
    var input = form.querySelector("input[type=file]");
    var submit = form.querySelector("button[type=submit]");
    var stop = form.querySelector("[data-cancel]");
    var csrf = form.querySelector("input[name=csrf_token]").value;
    var current = null;  // the upload under way: {file, url, info, xhr, stopped, failures}

    function say(text, isError) {
      status.textContent = text;
      status.classList.toggle("error", !!isError);
    }

    function megabytes(bytes) {
      return (bytes / 1048576).toFixed(bytes < 10485760 ? 1 : 0).replace(".", ",") + " MB";
    }

    function showProgress(done, total) {
      var percent = total ? Math.floor(100 * done / total) : 0;
      bar.value = percent;
      say("Đang tải lên " + percent + " % (" + megabytes(done) + " / " + megabytes(total) + ")");
    }

    // One request; resolves {status, data} for any answer in JSON, rejects {network: true}
    // when no usable answer came (dropped, timed out, a proxy's 502/503/504 page) and
    // {stopped: true} when the person stopped.
    function send(upload, method, url, body, headers, onProgress) {
      return new Promise(function (resolve, reject) {
        var xhr = new XMLHttpRequest();
        upload.xhr = xhr;
        xhr.open(method, url);
        xhr.timeout = TIMEOUT_MS;
        xhr.setRequestHeader("Accept", "application/json");
        xhr.setRequestHeader("X-CSRFToken", csrf);
        Object.keys(headers || {}).forEach(function (name) { xhr.setRequestHeader(name, headers[name]); });
        if (onProgress && xhr.upload) {
          xhr.upload.onprogress = function (event) { if (event.lengthComputable) onProgress(event.loaded); };
        }
        xhr.onload = function () {
          var data = null;
          try { data = JSON.parse(xhr.responseText); } catch (err) { data = null; }
          if (xhr.status === 0 || xhr.status >= 500) {
            reject({network: true});
          } else if (data === null) {  // an HTML page: the login form (session over) or a CSRF refusal
            reject({message: xhr.status === 413 ? "Tệp quá lớn." :
              "Phiên làm việc đã hết hạn: hãy tải lại trang (đăng nhập lại nếu cần) rồi chọn lại tệp để tải tiếp."});
          } else {
            resolve({status: xhr.status, data: data});
          }
        };
        xhr.onerror = xhr.ontimeout = function () { reject({network: true}); };
        xhr.onabort = function () { reject({stopped: true}); };
        xhr.send(body);
      });
    }

    function refusal(answer) {
      return {message: (answer.data && answer.data.error) || "Tải lên không được, hãy thử lại."};
    }

    // After a network error: wait (longer each time, or until the phone is back online),
    // then ask the server where the upload stands.
    function waitThenAsk(upload) {
      upload.failures += 1;
      if (upload.failures > GIVE_UP_AFTER) {
        return Promise.reject({message: "Không kết nối được máy chủ. Khi có mạng, chọn lại tệp này và bấm “Tải lên”: "
          + "phần đã gửi được giữ lại."});
      }
      var wait = Math.min(WAIT_MAX_MS, 1000 * Math.pow(2, Math.min(upload.failures - 1, 5)));
      var received = upload.info ? Math.floor(100 * upload.offset / upload.info.size) : 0;
      say("Mất kết nối (đã gửi " + received + " %). Đang thử lại sau " + Math.round(wait / 1000) + " giây…", true);
      return new Promise(function (resume) {
        var timer = setTimeout(done, wait);
        function done() {
          clearTimeout(timer);
          window.removeEventListener("online", done);
          resume();
        }
        window.addEventListener("online", done);
      }).then(function () {
        if (upload.stopped) { throw {stopped: true}; }
        if (!upload.url) { return null; }
        return send(upload, "GET", upload.url).then(function (answer) {
          if (answer.status !== 200) { throw refusal(answer); }
          return answer.data;
        }, function (err) {
          if (err.network) { return waitThenAsk(upload); }
          throw err;
        });
      });
    }

    function begin(upload) {
      var file = upload.file;
      var body = JSON.stringify({name: file.name, size: file.size, fingerprint: file.size + "-" + file.lastModified});
      return send(upload, "POST", form.getAttribute("data-begin"), body, {"Content-Type": "application/json"})
        .then(function (answer) {
          if (answer.status !== 201) { throw refusal(answer); }
          upload.failures = 0;
          upload.info = answer.data;
          upload.url = form.getAttribute("data-begin") + "/" + encodeURIComponent(answer.data.id);
          if (answer.data.offset > 0) { say("Tải tiếp từ " + megabytes(answer.data.offset) + "…"); }
          return from(upload, answer.data);
        }, function (err) {
          if (err.network) { return waitThenAsk(upload).then(function () { return begin(upload); }); }
          throw err;
        });
    }

    // Send the chunk at the server's offset, then the next, until the server starts its job.
    function from(upload, state) {
      if (state.job) { return follow(upload, state.job); }
      if (state.state && state.state !== "receiving") {  // complete already: its job says the rest
        return send(upload, "GET", upload.url).then(function (answer) {
          if (answer.status === 200 && answer.data.job) { return follow(upload, answer.data.job); }
          throw {message: "Tệp này đã được nhận; hãy tải lại trang."};
        });
      }
      var info = upload.info, offset = state.offset;
      upload.offset = offset;
      var end = Math.min(offset + info.chunk_size, info.size);
      showProgress(offset, info.size);
      return send(upload, "PATCH", upload.url, upload.file.slice(offset, end),
        {"Upload-Offset": String(offset), "Content-Type": "application/offset+octet-stream"},
        function (loaded) { showProgress(offset + loaded, info.size); })
        .then(function (answer) {
          if (answer.status === 200 || answer.status === 409) {  // 409: go on from where the server is
            upload.failures = 0;
            return from(upload, answer.data);
          }
          throw refusal(answer);
        }, function (err) {
          if (!err.network) { throw err; }
          return waitThenAsk(upload).then(function (data) { return from(upload, data); });
        });
    }

    // The server's job checks the file (and converts a video); its page answers JSON.
    function follow(upload, job) {
      bar.value = 100;
      if (job.status === "done") {
        say(job.message || "Đã tải lên.");
        return "done";
      }
      if (job.status === "failed") { throw {message: job.message || "Tệp không được nhận."}; }
      say((upload.file.type.indexOf("video") === 0 || /\.(mov|3gp|mkv|webm|avi)$/i.test(upload.file.name)
        ? "Đã tải lên xong, máy chủ đang xử lý video" : "Đã tải lên xong, đang kiểm tra tệp")
        + (job.progress ? " (" + job.progress + " %)" : "") + "…");
      var url = form.getAttribute("data-job").replace("JOB", encodeURIComponent(job.id));
      return new Promise(function (resume) { setTimeout(resume, 2000); }).then(function () {
        return send(upload, "GET", url).then(function (answer) {
          if (answer.status !== 200) { throw refusal(answer); }
          return follow(upload, Object.assign({id: job.id}, answer.data));
        }, function (err) {
          if (err.network) { return follow(upload, job); }
          throw err;
        });
      });
    }

    function leaving(event) {
      event.preventDefault();
      event.returnValue = "";
    }

    function end(upload) {
      current = null;
      submit.disabled = false;
      stop.hidden = true;
      window.removeEventListener("beforeunload", leaving);
      form.removeAttribute("data-busy");
    }

    form.addEventListener("submit", function (event) {
      if (!input.files.length || !window.Promise || !window.XMLHttpRequest || !window.Blob || !Blob.prototype.slice) {
        return;  // the plain form
      }
      event.preventDefault();
      if (current) { return; }
      var upload = current = {file: input.files[0], url: null, info: null, offset: 0, failures: 0, stopped: false};
      submit.disabled = true;
      stop.hidden = false;
      bar.hidden = false;
      bar.value = 0;
      form.setAttribute("data-busy", "");
      window.addEventListener("beforeunload", leaving);
      say("Đang bắt đầu tải lên…");
      begin(upload).then(function () {
        end(upload);
        form.setAttribute("data-done", "");
        window.location.reload();
      }, function (err) {
        end(upload);
        if (err.stopped) {
          say("Đã dừng. Bấm “Tải lên” (với đúng tệp này) để tải tiếp từ chỗ đã dừng.");
        } else {
          bar.hidden = true;
          say(err.message || "Tải lên không được, hãy thử lại.", true);
        }
      });
    });

    stop.addEventListener("click", function () {
      if (!current) { return; }
      current.stopped = true;
      if (current.xhr) { current.xhr.abort(); }
    });
  });
}());
