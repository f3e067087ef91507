// Issue list and issue page: keyboard selection (j/k/Enter/x), property pickers (s/p/a; planning
// pickers l/Shift+P/Shift+D/e through static/js/planning.js), bulk bar,
// in-place edits, copy link. Loaded by issues/list.html and issues/detail.html; no inline scripts.
(function () {
  "use strict";
  const lw = window.linearWeb;
  if (!lw) return;
  let selectedId = null;

  // Page shortcuts stay quiet while a dialog is open or a button/link has the keyboard.
  function bind(key, handler, description) {
    lw.shortcut(key, function (event) {
      if (document.querySelector("dialog[open]")) return false;
      if (key === "Enter" && event.target.closest && event.target.closest("a, button, summary")) return false;
      return handler(event);
    }, description);
  }

  function page() {
    const el = document.querySelector("[data-page]");
    return el ? el.getAttribute("data-page") : "";
  }

  // Rows the user can see (collapsed groups are skipped).
  function visibleRows() {
    return Array.prototype.filter.call(document.querySelectorAll("#issue-list .issue-row"), function (row) {
      const group = row.closest("details");
      return !group || group.open;
    });
  }

  function selectedRow() {
    return selectedId ? document.getElementById(selectedId) : null;
  }

  function select(row) {
    document.querySelectorAll(".issue-row.is-selected").forEach(function (r) { r.classList.remove("is-selected"); });
    selectedId = row ? row.id : null;
    if (row) {
      row.classList.add("is-selected");
      row.scrollIntoView({ block: "nearest" });
    }
  }

  function move(step) {
    if (page() !== "issue-list") return false;
    const rows = visibleRows();
    if (!rows.length) return false;
    const index = rows.indexOf(selectedRow());
    const next = index < 0 ? (step > 0 ? 0 : rows.length - 1) : Math.min(rows.length - 1, Math.max(0, index + step));
    select(rows[next]);
  }

  bind("j", function () { return move(1); }, "Next issue");
  bind("k", function () { return move(-1); }, "Previous issue");
  bind("Enter", function () {
    const row = page() === "issue-list" && selectedRow();
    if (!row) return false;
    window.location.href = row.getAttribute("data-url");
  }, "Open the selected issue");
  bind("x", function () {
    const row = page() === "issue-list" && selectedRow();
    const box = row && row.querySelector(".row-check");
    if (!box) return false;
    box.checked = !box.checked;
    box.dispatchEvent(new Event("change", { bubbles: true }));
  }, "Select for a bulk change");
  bind("Escape", function () {
    if (!selectedId) return false;
    select(null);
  }, "Clear the selection");

  document.addEventListener("mouseover", function (event) {
    const row = event.target.closest && event.target.closest("#issue-list .issue-row");
    if (row && row.id !== selectedId) select(row);
  });

  // --- Property pickers (s / p / a) ---------------------------------------------------------
  const picker = document.getElementById("issue-picker");
  let pickerTarget = null;

  function currentValue(field, row) {
    if (row) return row.getAttribute({ status: "data-status", priority: "data-priority", assignee_id: "data-assignee" }[field]) || "";
    const input = document.querySelector("#issue-properties [name=" + field + "]");
    return input ? input.value : "";
  }

  function openPicker(field) {
    if (!picker || !window.htmx) return false;
    let row = null;
    if (page() === "issue-list") {
      row = selectedRow();
      if (!row) { move(1); row = selectedRow(); }
      if (!row) return false;
    } else if (page() !== "issue-detail") {
      return false;
    }
    pickerTarget = { field: field, row: row };
    let group = null;
    picker.querySelectorAll("[data-picker]").forEach(function (g) {
      const match = g.getAttribute("data-picker") === field;
      g.hidden = !match;
      if (match) group = g;
    });
    const subject = row ? row.getAttribute("data-identifier") : document.querySelector("[data-issue]").getAttribute("data-issue");
    picker.querySelector("[data-picker-title]").textContent = group.getAttribute("data-label") + " of " + subject;
    const value = currentValue(field, row);
    let focus = group.querySelector(".picker-option");
    group.querySelectorAll(".picker-option").forEach(function (b) {
      const current = b.getAttribute("data-value") === value;
      b.setAttribute("aria-selected", current ? "true" : "false");
      if (current) focus = b;
    });
    picker.showModal();
    focus.focus();
  }

  function apply(field, value) {
    const values = {};
    values[field] = value;
    const row = pickerTarget && pickerTarget.row;
    if (row) {
      values.version = row.getAttribute("data-version");
      window.htmx.ajax("POST", row.getAttribute("data-url"), { target: "#" + CSS.escape(row.id), swap: "outerHTML", values: values });
    } else {
      const version = document.getElementById("issue-version");
      values.version = version ? version.value : "";
      const url = document.querySelector("[data-issue-url]").getAttribute("data-issue-url");
      window.htmx.ajax("POST", url, { target: "#issue-properties", swap: "outerHTML settle:0ms", values: values });
    }
  }

  if (picker) {
    picker.addEventListener("click", function (event) {
      const option = event.target.closest(".picker-option");
      if (!option || !pickerTarget) return;
      picker.close();
      apply(pickerTarget.field, option.getAttribute("data-value"));
    });
    picker.addEventListener("keydown", function (event) {
      if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
      const options = Array.prototype.slice.call(picker.querySelectorAll("[data-picker]:not([hidden]) .picker-option"));
      const index = options.indexOf(document.activeElement);
      const next = options[Math.min(options.length - 1, Math.max(0, index + (event.key === "ArrowDown" ? 1 : -1)))];
      if (next) next.focus();
      event.preventDefault();
    });
  }
  bind("s", function () { return openPicker("status"); }, "Set status");
  bind("p", function () { return openPicker("priority"); }, "Set priority");
  bind("a", function () { return openPicker("assignee_id"); }, "Set assignee");

  // --- Planning pickers (l / Shift+P / Shift+D / e): static/js/planning.js draws them ----------
  function openPlanning(kind) {
    const planning = lw.planning;
    if (!planning) return false;
    if (page() === "issue-list") {
      let row = selectedRow();
      if (!row) { move(1); row = selectedRow(); }
      return row ? planning.open(kind, row) : false;
    }
    return page() === "issue-detail" ? planning.open(kind, null) : false;
  }
  bind("l", function () { return openPlanning("labels"); }, "Set labels");
  bind("P", function () { return openPlanning("parent"); }, "Set the parent issue");
  bind("D", function () { return openPlanning("due"); }, "Set the due date");
  bind("e", function () { return openPlanning("estimate"); }, "Set the estimate");

  // A row whose status changed (picker, live update) moves to its group; the group counts come
  // from the server (out of band with the picker's answer, or with the live refresh).
  function placeRow(row) {
    const home = document.getElementById("group-rows-" + row.getAttribute("data-status"));
    if (home && row.parentElement !== home) home.insertBefore(row, home.firstChild);
  }

  function afterRowSwap(event) {
    const el = event.detail && (event.detail.elt || event.detail.target);
    const row = el && el.classList && el.classList.contains("issue-row") ? el : null;
    const current = row ? document.getElementById(row.id) : null;
    if (!current) return;
    placeRow(current);
    if (current.id === selectedId) current.classList.add("is-selected");
    current.classList.add("just-changed");
  }
  document.addEventListener("htmx:afterSettle", afterRowSwap);
  document.addEventListener("htmx:oobAfterSwap", afterRowSwap);

  // Filter URLs stay short: static/js/list_planning.js (loaded by the list and the board).

  // --- Bulk selection bar ---------------------------------------------------------------------
  function updateBulkCount() {
    const n = document.querySelectorAll("#issue-list .row-check:checked").length;
    document.querySelectorAll("[data-bulk-count]").forEach(function (el) { el.textContent = String(n); });
  }
  document.addEventListener("change", function (event) {
    if (event.target.classList && event.target.classList.contains("row-check")) updateBulkCount();
  });
  document.addEventListener("htmx:afterSettle", updateBulkCount);
  document.addEventListener("click", function (event) {
    if (!event.target.closest("[data-bulk-clear]")) return;
    document.querySelectorAll("#issue-list .row-check:checked").forEach(function (box) { box.checked = false; });
    updateBulkCount();
  });

  // --- In-place edits: title, description, comments ---------------------------------------------
  document.addEventListener("keydown", function (event) {
    const input = event.target;
    if (!input.classList || !input.classList.contains("issue-title-input")) return;
    if (event.key === "Enter") { event.preventDefault(); input.blur(); }
    if (event.key === "Escape") { input.value = input.getAttribute("data-original"); input.blur(); }
  });

  function editable(el) { return el.closest("#issue-description, .comment"); }
  document.addEventListener("click", function (event) {
    const toggle = event.target.closest("[data-edit-toggle], [data-edit-cancel]");
    if (!toggle) return;
    const box = editable(toggle);
    if (!box) return;
    const editing = toggle.hasAttribute("data-edit-toggle");
    const view = box.querySelector(".description-view, .comment-body");
    const form = box.querySelector(".description-form, .comment-edit");
    if (view) view.hidden = editing;
    if (form) {
      form.hidden = !editing;
      if (!editing) form.reset();
      const area = form.querySelector("textarea");
      if (editing && area) area.focus();
    }
  });

  // Ctrl/Cmd+Enter sends a comment or description from its textarea.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey) || event.target.tagName !== "TEXTAREA") return;
    const form = event.target.closest("form");
    if (form) { event.preventDefault(); form.requestSubmit(); }
  });

  // A comment or a new row can arrive twice (our own answer and the live push): keep one of each id.
  function dedupe(elements) {
    const seen = {};
    Array.prototype.slice.call(elements).forEach(function (el) {
      if (!el.id) return;
      if (seen[el.id]) el.remove(); else seen[el.id] = true;
    });
  }
  function dedupeAll() {
    const timeline = document.getElementById("issue-timeline");
    if (timeline) dedupe(timeline.children);
    dedupe(document.querySelectorAll("#issue-list .issue-row"));
  }
  document.addEventListener("htmx:afterSwap", dedupeAll);
  document.addEventListener("htmx:oobAfterSwap", dedupeAll);

})();
