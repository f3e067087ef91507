// Header search: "/" focuses the box; arrows walk the dropdown's results; Escape closes it.
(function () {
  "use strict";

  function input() { return document.getElementById("header-search-input"); }
  function dropdown() { return document.getElementById("search-results"); }
  function links() { const d = dropdown(); return d ? Array.from(d.querySelectorAll("a")) : []; }

  function close() {
    const d = dropdown();
    if (d) d.hidden = true;
  }

  function register() {
    if (!window.linearWeb) return;
    window.linearWeb.shortcut("/", function () {
      const box = input();
      if (!box) return false;
      box.focus();
      box.select();
    }, "Search issues");
  }

  document.addEventListener("keydown", function (event) {
    const box = input();
    if (!box || !event.target.closest || !event.target.closest(".header-search")) return;
    const items = links();
    const index = items.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && items.length) {
      items[Math.min(index + 1, items.length - 1)].focus();
    } else if (event.key === "ArrowUp" && items.length) {
      if (index <= 0) box.focus(); else items[index - 1].focus();
    } else if (event.key === "Escape") {
      close();
      box.focus();
    } else {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
  }, true);

  // A click anywhere else closes the dropdown; focusing the box with text shows it again.
  document.addEventListener("click", function (event) {
    if (!event.target.closest || !event.target.closest(".header-search")) close();
  });
  document.addEventListener("focusin", function (event) {
    const d = dropdown();
    if (event.target === input() && d && event.target.value.trim() && d.children.length) d.hidden = false;
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", register);
  else register();
})();
