// Label colours under the strict CSP (no style="" attributes): any element with
//   data-label-color="#rrggbb"
// gets the CSS custom property --label-color set through CSSOM (el.style.setProperty), which the
// policy allows. static/css/labels.css colours .label-chip dots and .label-swatch from it, with a
// grey fallback when the attribute is missing or not a #rrggbb colour. Elements added later (htmx
// swaps, live pushes) are coloured as they arrive, so any page can include this file once: list
// rows, board cards and the issue page use the same attribute on their .label-chip elements.
//
// On the Labels page it also drives the colour picker: typing a custom #rrggbb selects the
// "Custom" choice (data-label-custom-choice) and previews it (data-label-preview).
(function () {
  "use strict";
  const COLOR = /^#[0-9a-fA-F]{6}$/;

  function paint(el) {
    const value = (el.getAttribute("data-label-color") || "").trim();
    if (COLOR.test(value)) el.style.setProperty("--label-color", value);
    else el.style.removeProperty("--label-color");
  }

  function paintAll(root) {
    if (root.nodeType !== 1) return;
    if (root.hasAttribute("data-label-color")) paint(root);
    root.querySelectorAll("[data-label-color]").forEach(paint);
  }

  function start() {
    paintAll(document.body);
    new MutationObserver(function (changes) {
      changes.forEach(function (change) {
        if (change.type === "attributes") paint(change.target);
        else change.addedNodes.forEach(paintAll);
      });
    }).observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ["data-label-color"] });
  }

  // The colour picker: a custom value chooses "Custom" and shows itself in the preview swatch.
  document.addEventListener("input", function (event) {
    const input = event.target;
    if (!input.matches || !input.matches("[data-label-custom]")) return;
    const picker = input.closest("fieldset");
    if (!picker) return;
    const choice = picker.querySelector("[data-label-custom-choice]");
    if (choice && input.value.trim()) choice.checked = true;
    const preview = picker.querySelector("[data-label-preview]");
    if (preview) preview.setAttribute("data-label-color", input.value.trim());
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
