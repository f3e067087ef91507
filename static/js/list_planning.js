// Planning on the issue list and the board: short filter URLs, the bulk bar's label menus. (Label
// chip colours: static/js/labels.js, loaded on every page.)
//   - The filter form drops empty planning parameters (due window, cycle) and default display
//     options, so a copied URL stays short.
//   - After a bulk change succeeds, the label menus are cleared and closed (the rows are new).
(function () {
  "use strict";
  document.addEventListener("htmx:configRequest", function (event) {
    if (!event.detail.elt || event.detail.elt.id !== "issue-filters") return;
    const params = event.detail.parameters;
    ["due_after", "due_before", "parent_id", "overdue", "cycle_id"].forEach(function (name) {
      if (params[name] === "") delete params[name];
    });
    // Empty standard filters and the default sort too (one place for the list and the board).
    ["q", "assignee", "project_id"].forEach(function (name) {
      if (params[name] === "") delete params[name];
    });
    if (params.sort === "-created_at") delete params.sort;
    // Display options: the default grouping leaves the URL; the properties shown become one
    // comma-separated `show`, left out when every property is shown.
    // The defaults are the page's: a saved view's own options on its page (data-default-*).
    const menu = event.detail.elt.querySelector("#display-options");
    if (menu && params.group_by === menu.getAttribute("data-default-group-by")) delete params.group_by;
    if (menu && params.show !== undefined) {
      const shown = [].concat(params.show).filter(Boolean).join(",");
      if (shown === menu.getAttribute("data-default-show")) delete params.show;
      else params.show = shown;
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    const form = event.detail.elt;
    if (!form || form.id !== "issue-bulk" || !event.detail.successful) return;
    form.querySelectorAll(".bulk-labels input[type=checkbox]:checked").forEach(function (box) { box.checked = false; });
    form.querySelectorAll("details.bulk-labels[open]").forEach(function (menu) { menu.open = false; });
  });
})();
