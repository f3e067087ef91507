// Planning pickers (labels l, parent Shift+P, due date Shift+D, estimate e) for the open issue or
// the selected list row. Loaded with templates/issues/_planning_picker.html. (Label colours:
// static/js/labels.js, on every page.)
// A picker's content comes from the server (GET /issue/<ref>/picker?kind=…); its form posts to the
// issue (the row or the properties panel answers; errors come back into the picker).
(function () {
  "use strict";
  const dialog = document.getElementById("planning-picker");
  const body = document.getElementById("planning-picker-body");
  if (!dialog || !body || !window.htmx) return;
  let saving = false;

  function issueRef(row) {
    if (row) return row.getAttribute("data-identifier");
    const page = document.querySelector("[data-page=issue-detail][data-issue]");
    return page ? page.getAttribute("data-issue") : null;
  }

  // Open picker `kind` for a list row (or the issue page when row is null).
  function open(kind, row) {
    const ref = issueRef(row);
    if (!ref) return false;
    if (kind === "due" && !row) {
      const input = document.getElementById("prop-due");
      if (!input) return false;
      input.focus();
      if (input.showPicker) { try { input.showPicker(); } catch (e) { /* needs a user gesture */ } }
      return true;
    }
    const url = "/issue/" + encodeURIComponent(ref) + "/picker?kind=" + kind + (row ? "&context=row" : "");
    saving = false;
    window.htmx.ajax("GET", url, { target: "#planning-picker-body", swap: "innerHTML" }).then(show);
    return true;
  }

  function show() {
    if (!body.firstElementChild) return;
    if (!dialog.open) dialog.showModal();
    const first = body.querySelector("[aria-invalid=true], .picker-search, [aria-selected=true], .picker-option");
    if (first) first.focus();
    filterLabels();
  }

  // Content swapped into the picker (a refused save, a created label): show it again.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target === body) { saving = false; show(); }
  });

  // Links and buttons marked data-planning-picker open their picker here (the link is the no-JS way).
  document.addEventListener("click", function (event) {
    const trigger = event.target.closest("[data-planning-picker]");
    if (!trigger || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    open(trigger.getAttribute("data-planning-picker"), null);
  });

  // A picker form is sent: close the dialog (its answer lands on the row or the panel).
  document.addEventListener("htmx:beforeRequest", function (event) {
    const form = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("[data-picker-form]");
    const config = event.detail.requestConfig || {};
    if (!form || event.detail.elt.hasAttribute("data-label-create") || config.verb === "get") return;
    saving = true;
    if (dialog.open) dialog.close();
  });

  // The label picker saves when it closes (Esc, a click outside, Done), if anything changed.
  function labelsChanged(form) {
    return Array.prototype.some.call(form.querySelectorAll("input[type=checkbox]"), function (box) {
      return box.checked !== box.defaultChecked || box.hasAttribute("data-label-new");
    });
  }
  dialog.addEventListener("close", function () {
    const form = body.querySelector("[data-picker-form=labels]");
    if (form && !saving && labelsChanged(form)) {
      saving = true;
      form.requestSubmit();
    }
  });
  dialog.addEventListener("click", function (event) {
    if (event.target === dialog) dialog.close();   // the backdrop
  });

  // Label picker: type to filter; a name matching no label offers "Create label “name”".
  function filterLabels() {
    const input = body.querySelector("[data-label-filter]");
    if (!input) return;
    const typed = input.value.trim();
    const needle = typed.toLowerCase();
    let shown = 0;
    let exact = false;
    body.querySelectorAll(".label-option").forEach(function (option) {
      const name = option.getAttribute("data-label-name");
      const match = !needle || name.indexOf(needle) >= 0;
      option.hidden = !match;
      if (match) shown += 1;
      if (name === needle) exact = true;
    });
    const none = body.querySelector("[data-label-none]");
    if (none) none.hidden = shown > 0;
    const create = body.querySelector("[data-label-create]");
    if (create) {
      create.hidden = !typed || exact;
      create.querySelector("[data-label-create-name]").textContent = typed;
    }
  }
  body.addEventListener("input", function (event) {
    if (event.target.hasAttribute("data-label-filter")) filterLabels();
  });
  body.addEventListener("keydown", function (event) {
    const input = event.target;
    if (input.hasAttribute && input.hasAttribute("data-label-filter") && event.key === "Enter") {
      event.preventDefault();
      const create = body.querySelector("[data-label-create]");
      const visible = Array.prototype.filter.call(body.querySelectorAll(".label-option"), function (o) { return !o.hidden; });
      if (create && !create.hidden) create.click();
      else if (input.value.trim() && visible.length === 1) {
        const box = visible[0].querySelector("input");
        box.checked = !box.checked;
        input.value = "";
        filterLabels();
      } else dialog.close();
      return;
    }
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    const items = Array.prototype.filter.call(body.querySelectorAll(".picker-option, .label-option input, .picker-search"),
      function (el) { return !el.hidden && !(el.closest(".label-option") || {}).hidden; });
    const index = items.indexOf(document.activeElement);
    const next = items[Math.min(items.length - 1, Math.max(0, index + (event.key === "ArrowDown" ? 1 : -1)))];
    if (next) { next.focus(); event.preventDefault(); }
  });

  // The issue page's date field: while the year is being typed (0002, 0020, 0202…) nothing is
  // saved; the whole date is, when it is complete or the field is left.
  document.addEventListener("change", function (event) {
    const input = event.target;
    if (!input.hasAttribute || !input.hasAttribute("data-due-input")) return;
    const year = parseInt((input.value || "").slice(0, 4), 10);
    if (input.value && document.activeElement === input && year < 1900) {
      event.stopPropagation();
      input.setAttribute("data-due-pending", "");
    }
  }, true);
  document.addEventListener("focusout", function (event) {
    const input = event.target;
    if (!input.hasAttribute || !input.hasAttribute("data-due-pending")) return;
    input.removeAttribute("data-due-pending");
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });

  if (window.linearWeb) window.linearWeb.planning = { open: open };
})();
