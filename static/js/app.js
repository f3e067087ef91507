// linear_web global behaviour: keyboard shortcuts registry, small helpers. No inline scripts anywhere.
(function () {
  "use strict";
  const shortcuts = {};

  // Typing in a field never fires a shortcut.
  function isTyping(target) {
    if (!target) return false;
    const tag = target.tagName;
    return target.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  // Register a shortcut: key -> handler(event). Other scripts call window.linearWeb.shortcut(...).
  function shortcut(key, handler, description) {
    shortcuts[key] = { handler: handler, description: description || "" };
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.metaKey || event.ctrlKey || event.altKey) return;
    if (event.key !== "Escape" && isTyping(event.target)) return;
    const entry = shortcuts[event.key];
    if (entry) {
      const handled = entry.handler(event);
      if (handled !== false) event.preventDefault();
    }
  });

  // Elements with data-shortcut="c" are clicked by that key (buttons and links everywhere).
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-shortcut]").forEach(function (el) {
      const key = el.getAttribute("data-shortcut");
      if (!shortcuts[key]) shortcut(key, function () { if (el.hidden) return false; el.click(); }, el.textContent.trim());
    });
  });

  // Buttons with data-confirm ask before submitting (no inline handlers under our CSP).
  document.addEventListener("submit", function (event) {
    const form = event.target;
    const message = form.getAttribute("data-confirm");
    if (["hx-post", "hx-put", "hx-patch", "hx-delete"].some(function (a) { return form.hasAttribute(a); })) return;
    if (message && !window.confirm(message)) event.preventDefault();
  }, true);
  document.addEventListener("htmx:confirm", function (event) {
    const el = event.detail.elt;
    const message = el && el.getAttribute("data-confirm");
    if (!message) return;
    event.preventDefault();
    if (window.confirm(message)) event.detail.issueRequest(true);
  });

  window.linearWeb = { shortcut: shortcut, shortcuts: shortcuts, isTyping: isTyping };
})();
