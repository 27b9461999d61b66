// Upload one file with a progress bar (phones on slow connections see it move);
// without JavaScript the form posts as usual.
document.querySelectorAll("form[data-upload]").forEach(function (form) {
  var bar = form.querySelector("progress"), status = form.querySelector(".upload-status");
  form.addEventListener("submit", function (event) {
    var input = form.querySelector("input[type=file]");
    if (!input.files.length || !window.XMLHttpRequest) return;
    event.preventDefault();
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "application/json");
    bar.hidden = false;
    bar.value = 0;
    status.textContent = "Đang tải lên…";
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) {
        bar.value = Math.round(100 * e.loaded / e.total);
        status.textContent = "Đang tải lên " + bar.value + " %";
      }
    };
    xhr.onload = function () {
      var answer = {};
      try { answer = JSON.parse(xhr.responseText); } catch (err) { /* not JSON: a server error page */ }
      if (xhr.status === 200 && answer.ok) {
        status.textContent = "Đã tải lên “" + answer.name + "”.";
        window.location.reload();
      } else {
        bar.hidden = true;
        status.textContent = answer.error || (xhr.status === 413 ? "Tệp quá lớn." : "Tải lên không được, hãy thử lại.");
        status.classList.add("error");
      }
    };
    xhr.onerror = function () {
      bar.hidden = true;
      status.textContent = "Mất kết nối khi tải lên: tệp chưa được lưu, hãy thử lại.";
      status.classList.add("error");
    };
    xhr.send(new FormData(form));
  });
});
