// Starts ReDoc on #redoc with the spec URL from its data attribute (no inline script under our CSP).
(function () {
  "use strict";
  var el = document.getElementById("redoc");
  if (!el || !window.Redoc) { return; }
  window.Redoc.init(el.getAttribute("data-spec-url"), { hideDownloadButton: false }, el);
})();
