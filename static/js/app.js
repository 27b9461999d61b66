// Small behaviours shared by every page; no build step, no framework.
(function () {
  "use strict";
  // Forms that change something important ask first. The question is data, never code:
  // names with quotes cannot break out of it.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var question = (button && button.getAttribute("data-confirm")) || event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
  // A select marked data-autosubmit sends its form when changed (the CSP allows no inline handlers).
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.hasAttribute && field.hasAttribute("data-autosubmit") && field.form) {
      field.form.submit();
    }
  });
  // A video player is put in only when the viewer asks for it (see entries/_work.html).
  document.addEventListener("click", function (event) {
    var box = event.target.closest && event.target.closest("[data-embed]");
    if (!box || box.querySelector("iframe")) return;
    var frame = document.createElement("iframe");
    frame.src = box.getAttribute("data-embed");
    frame.title = box.getAttribute("data-title") || "Video";
    frame.allowFullscreen = true;
    frame.referrerPolicy = "strict-origin-when-cross-origin";
    box.replaceChildren(frame);
  });
  // A table wider than the phone scrolls sideways: keyboard users must reach it (WCAG 2.1.1),
  // so it takes focus and is named by the heading above it.
  function focusableScrollers() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      if (wrap.scrollWidth <= wrap.clientWidth + 1 || wrap.hasAttribute("tabindex")) return;
      wrap.setAttribute("tabindex", "0");
      wrap.setAttribute("role", "region");
      var heading = wrap.querySelector("caption");
      for (var el = wrap.previousElementSibling; !heading && el; el = el.previousElementSibling) {
        if (/^H[1-6]$/.test(el.tagName)) heading = el;
      }
      wrap.setAttribute("aria-label", (heading ? heading.textContent.trim() + " " : "") + "(bảng, cuộn ngang)");
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", focusableScrollers);
  else focusableScrollers();
  window.addEventListener("resize", focusableScrollers);
})();
