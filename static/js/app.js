// Small behaviours shared by every page; no build step, no framework.
(function () {
  "use strict";
  // Forms that change something important ask first. The question is data, never code:
  // names with quotes cannot break out of it.
  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
})();
