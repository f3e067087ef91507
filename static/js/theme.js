// The chosen theme (light / dark / system) as <html data-theme>, before the body paints: loaded in
// <head> without defer, so it is kept this small. The command palette's "Switch theme" stores the
// choice (static/js/palette.js: window.linearWebTheme.set); static/css/palette.css styles it.
(function () {
  "use strict";
  const KEY = "linear_web.theme";

  function stored() {
    try { return window.localStorage.getItem(KEY) || "system"; } catch (e) { return "system"; }
  }
  function apply(theme) {
    if (theme === "light" || theme === "dark") document.documentElement.setAttribute("data-theme", theme);
    else document.documentElement.removeAttribute("data-theme");
  }
  function set(theme) {
    try {
      if (theme === "light" || theme === "dark") window.localStorage.setItem(KEY, theme);
      else window.localStorage.removeItem(KEY);
    } catch (e) { /* private mode: this page only */ }
    apply(theme);
  }
  apply(stored());
  window.addEventListener("storage", function (event) { if (event.key === KEY) apply(stored()); });
  window.linearWebTheme = { set: set, current: stored };
})();
