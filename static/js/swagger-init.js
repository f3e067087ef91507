// Starts Swagger UI on #swagger-ui with the spec URL from its data attribute (no inline script under our CSP).
(function () {
  "use strict";
  var el = document.getElementById("swagger-ui");
  if (!el || typeof window.SwaggerUIBundle !== "function") { return; }
  window.ui = window.SwaggerUIBundle({
    url: el.getAttribute("data-spec-url"),
    domNode: el,
    deepLinking: true,
    persistAuthorization: false,
    tryItOutEnabled: false,
  });
})();
