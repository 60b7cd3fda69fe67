/* The big screen reloads itself every <body data-refresh> seconds so that the wall shows fresh
   figures. A reader may stop that (WCAG 2.2.1, timing adjustable): the pause button is a toggle
   (aria-pressed) that cancels the reload and starts it again. */
(function () {
  "use strict";
  var seconds = parseInt(document.body.getAttribute("data-refresh"), 10);
  var button = document.getElementById("refresh-toggle");
  if (!seconds || !button) return;
  var timer = null;
  function schedule() {
    timer = window.setTimeout(function () { window.location.reload(); }, seconds * 1000);
  }
  button.addEventListener("click", function () {
    var paused = button.getAttribute("aria-pressed") === "true";
    if (paused) {
      schedule();
    } else {
      window.clearTimeout(timer);
    }
    button.setAttribute("aria-pressed", paused ? "false" : "true");
  });
  schedule();
})();
