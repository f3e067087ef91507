// Planning on the issue list and the board: label chip colours, short filter URLs, the bulk bar's
// label menus.
//   - Chips carry their colour in data-label-color; the CSP forbids style attributes, so the colour
//     is set here through CSSOM (allowed) as the --label-color custom property the CSS reads.
//   - The filter form drops empty planning parameters (due window), so a copied URL stays short.
//   - After a bulk change succeeds, the label menus are cleared and closed (the rows are new).
(function () {
  "use strict";
  const COLOR = /^#[0-9a-fA-F]{6}$/;

  function paint(root) {
    const scope = root && root.querySelectorAll ? root : document;
    const chips = scope.querySelectorAll("[data-label-color]");
    for (let i = 0; i < chips.length; i++) {
      const chip = chips[i];
      const color = chip.getAttribute("data-label-color");
      if (COLOR.test(color)) chip.style.setProperty("--label-color", color);
    }
    if (scope !== document && scope.hasAttribute && scope.hasAttribute("data-label-color")) {
      const own = scope.getAttribute("data-label-color");
      if (COLOR.test(own)) scope.style.setProperty("--label-color", own);
    }
  }

  // Every swap (filters, load more, bulk answers, live pushes through htmx.swap) fires htmx:load
  // on the new content; the first call paints the page as it loaded.
  if (window.htmx) {
    window.htmx.onLoad(paint);
  } else {
    document.addEventListener("DOMContentLoaded", function () { paint(document); });
  }

  document.addEventListener("htmx:configRequest", function (event) {
    if (!event.detail.elt || event.detail.elt.id !== "issue-filters") return;
    const params = event.detail.parameters;
    ["due_after", "due_before", "parent_id", "overdue"].forEach(function (name) {
      if (params[name] === "") delete params[name];
    });
    // The board page has no issues.js: drop its empty standard filters here as well.
    ["q", "assignee", "project_id"].forEach(function (name) {
      if (params[name] === "") delete params[name];
    });
    if (params.sort === "-created_at") delete params.sort;
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    const form = event.detail.elt;
    if (!form || form.id !== "issue-bulk" || !event.detail.successful) return;
    form.querySelectorAll(".bulk-labels input[type=checkbox]:checked").forEach(function (box) { box.checked = false; });
    form.querySelectorAll("details.bulk-labels[open]").forEach(function (menu) { menu.open = false; });
  });
})();
