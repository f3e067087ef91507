// linear_web global behaviour: keyboard shortcuts registry, small helpers. No inline scripts anywhere.
(function () {
  "use strict";
  const shortcuts = {};

  // Typing in a field never fires a shortcut.
  function isTyping(target) {
    if (!target) return false;
    const tag = target.tagName;
    const clickable = ["checkbox", "radio", "button", "submit", "reset"];  // no text goes into these
    return target.isContentEditable || (tag === "INPUT" && clickable.indexOf(target.type) < 0) ||
      tag === "TEXTAREA" || tag === "SELECT";
  }

  // Register a shortcut: key -> handler(event). Other scripts call window.linearWeb.shortcut(...).
  // A two-key sequence is written "g i": its first key waits a moment for the second.
  const prefixes = {};
  let pending = null;
  let pendingTimer = null;
  function shortcut(key, handler, description) {
    shortcuts[key] = { handler: handler, description: description || "" };
    if (key.length > 2 && key.indexOf(" ") > 0) prefixes[key.split(" ")[0]] = true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.metaKey || event.ctrlKey || event.altKey) return;
    if (event.key !== "Escape" && isTyping(event.target)) return;
    const first = pending;
    pending = null;
    clearTimeout(pendingTimer);
    let entry = first ? shortcuts[first + " " + event.key] : null;
    if (!entry && prefixes[event.key] && !shortcuts[event.key]) {
      pending = event.key;
      pendingTimer = setTimeout(function () { pending = null; }, 1500);
      event.preventDefault();
      return;
    }
    entry = entry || shortcuts[event.key];
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

  // --- Dialogs: the "New issue" overlay (loaded by htmx), the shortcuts overlay, closing. ---

  // Open the create form in a <dialog> via htmx; without htmx follow the link to the full page.
  function openIssueDialog(url) {
    if (!window.htmx) { window.location.href = url; return; }
    const open = document.getElementById("issue-dialog");
    if (open && open.open) { const input = open.querySelector("input[name=title]"); if (input) input.focus(); return; }
    let slot = document.getElementById("issue-dialog-slot");
    if (!slot) {
      slot = document.createElement("div");
      slot.id = "issue-dialog-slot";
      document.body.appendChild(slot);
    }
    window.htmx.ajax("GET", url, { target: "#issue-dialog-slot", swap: "innerHTML" });
  }

  document.addEventListener("click", function (event) {
    const link = event.target.closest("a.new-issue-button, a[data-issue-dialog]");
    if (link && !event.metaKey && !event.ctrlKey && !event.shiftKey && event.button === 0) {
      event.preventDefault();
      openIssueDialog(link.href);
      return;
    }
    const closer = event.target.closest("[data-dialog-close]");
    if (closer) {
      const dialog = closer.closest("dialog");
      if (dialog) dialog.close();
    }
  });

  // A freshly swapped-in dialog opens as a modal with focus in its first field.
  document.addEventListener("htmx:afterSettle", function () {
    const dialog = document.getElementById("issue-dialog");
    if (dialog && !dialog.open) {
      dialog.showModal();
      const input = dialog.querySelector("input[name=title]");
      if (input) input.focus();
    }
  });

  // The create dialog is thrown away when closed, so the next one starts empty.
  document.addEventListener("close", function (event) {
    if (event.target.id === "issue-dialog") event.target.remove();
  }, true);

  // The server says an issue was created: close the dialog, mark the new row once (the row and
  // the counts came out of band with the answer).
  document.addEventListener("issue-created", function (event) {
    const dialog = document.getElementById("issue-dialog");
    if (dialog) dialog.close();
    const detail = event.detail || {};
    if (detail.shown) {
      window.setTimeout(function () {
        const row = document.getElementById("issue-" + detail.identifier);
        if (row) row.classList.add("just-changed");
      }, 0);
    }
  });

  shortcut("?", function () {
    const dialog = document.getElementById("shortcuts-dialog");
    if (!dialog) return false;
    if (dialog.open) dialog.close(); else dialog.showModal();
  }, "Show keyboard shortcuts");

  // Go-to keys: "g" then a letter follows the link of that letter in #goto-links (templates/_palette.html:
  // my issues, and the current team's list, board, cycles, dashboard and settings). "g i" is the inbox link's.
  [["m", "Go to my issues"], ["l", "Go to the issue list"], ["b", "Go to the board"], ["c", "Go to the cycles"],
    ["d", "Go to the dashboard"], ["s", "Go to the settings"]].forEach(function (pair) {
    shortcut("g " + pair[0], function () {
      const link = document.querySelector('#goto-links a[data-goto="' + pair[0] + '"]');
      if (!link) return false;
      window.location.href = link.href;
    }, pair[1]);
  });

  window.linearWeb = { shortcut: shortcut, shortcuts: shortcuts, isTyping: isTyping };

  // --- Copy buttons (data-copy): an issue's link, a webhook's secret ----------------------------
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    const text = button.getAttribute("data-copy");
    const done = function () {
      const label = button.textContent;
      button.textContent = "Copied";
      window.setTimeout(function () { button.textContent = label; }, 1500);
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, function () { window.prompt("Copy:", text); });
    } else {
      window.prompt("Copy:", text);
    }
  });
})();
