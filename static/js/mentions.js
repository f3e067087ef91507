// @mention autocomplete for textareas inside an element with data-mentions="<members URL>" (the issue
// page: the comment box, comment edits and the description editor). Typing "@" and letters asks the
// server for matching members (GET <URL>?q=…, HTML <li role="option"> items) and shows them in a
// listbox under the field; ArrowDown/ArrowUp move, Enter or Tab insert "@handle ", Escape closes.
// The field keeps focus throughout and points at the highlighted option with aria-activedescendant.
(function () {
  "use strict";
  const TYPED = /(^|[^\w@.])@([a-z0-9._-]{0,30})$/;   // the @word just before the caret
  const LISTBOX_ID = "mention-listbox";
  let box = null;        // the listbox
  let field = null;      // the textarea it serves
  let start = -1;        // where the "@" being completed is in field.value
  let active = -1;       // the highlighted option
  let timer = null;
  let asked = 0;         // answers to older questions are dropped

  function urlFor(el) {
    const host = el && el.tagName === "TEXTAREA" && el.closest("[data-mentions]");
    return host ? host.getAttribute("data-mentions") : null;
  }

  function options() {
    return box ? Array.prototype.slice.call(box.querySelectorAll("[role=option]")) : [];
  }

  function listbox() {
    if (!box) {
      box = document.createElement("ul");
      box.id = LISTBOX_ID;
      box.className = "mention-listbox";
      box.setAttribute("role", "listbox");
      box.setAttribute("aria-label", "Mention a teammate");
      box.hidden = true;
      // Picking with the mouse must not take the focus from the field.
      box.addEventListener("mousedown", function (event) { event.preventDefault(); });
      box.addEventListener("click", function (event) {
        const option = event.target.closest("[role=option]");
        if (option) pick(option);
      });
    }
    if (box.previousElementSibling !== field) field.insertAdjacentElement("afterend", box);
    // Just under the field: box and field share their offset parent, being siblings (CSSOM, which
    // the CSP allows; a flex form would otherwise put an absolute box at its own top).
    box.style.setProperty("top", (field.offsetTop + field.offsetHeight) + "px");
    box.style.setProperty("left", field.offsetLeft + "px");
    return box;
  }

  function close() {
    clearTimeout(timer);
    asked += 1;
    if (box) { box.hidden = true; box.innerHTML = ""; }
    if (field) {
      field.setAttribute("aria-expanded", "false");
      field.removeAttribute("aria-activedescendant");
    }
    active = -1;
  }

  function highlight(index) {
    const all = options();
    if (!all.length) return;
    active = (index + all.length) % all.length;
    all.forEach(function (option, i) { option.setAttribute("aria-selected", i === active ? "true" : "false"); });
    field.setAttribute("aria-activedescendant", all[active].id);
    all[active].scrollIntoView({ block: "nearest" });
  }

  function show(html) {
    const list = listbox();
    list.innerHTML = html;
    if (!options().length) {
      list.innerHTML = '<li class="mention-empty" role="presentation">No teammate matches</li>';
    }
    list.hidden = false;
    field.setAttribute("aria-expanded", "true");
    active = -1;
    if (options().length) highlight(0);
    else field.removeAttribute("aria-activedescendant");
  }

  function ask(url, query) {
    const ticket = ++asked;
    fetch(url + "?q=" + encodeURIComponent(query), { credentials: "same-origin" })
      .then(function (resp) { return resp.ok ? resp.text() : ""; })
      .then(function (html) { if (ticket === asked && field && document.activeElement === field) show(html); })
      .catch(function () { if (ticket === asked) close(); });
  }

  function pick(option) {
    if (!field || start < 0) return close();
    const text = "@" + option.getAttribute("data-handle") + " ";
    field.setRangeText(text, start, field.selectionStart, "end");
    close();
    field.focus();
    // Other scripts (live updates: "is the user typing?") see the change as typing.
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function typed(el) {
    if (el.selectionStart !== el.selectionEnd) return null;
    const match = TYPED.exec(el.value.slice(0, el.selectionStart));
    return match ? { at: el.selectionStart - match[2].length - 1, query: match[2] } : null;
  }

  document.addEventListener("input", function (event) {
    const url = urlFor(event.target);
    if (!url) return;
    if (field !== event.target) { close(); field = event.target; }
    field.setAttribute("aria-autocomplete", "list");
    field.setAttribute("aria-controls", LISTBOX_ID);
    const found = typed(field);
    if (!found) return close();
    start = found.at;
    clearTimeout(timer);
    timer = setTimeout(function () { ask(url, found.query); }, 120);
  });

  // Capture phase: the listbox's keys are handled before the page's shortcuts (Escape, Ctrl+Enter).
  document.addEventListener("keydown", function (event) {
    if (!box || box.hidden || event.target !== field) return;
    const all = options();
    if (event.key === "Escape") {
      close();
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!all.length) return;
      highlight(active + (event.key === "ArrowDown" ? 1 : -1));
    } else if ((event.key === "Enter" || event.key === "Tab") && !event.shiftKey && !event.ctrlKey && !event.metaKey) {
      if (active < 0 || !all[active]) return close();
      pick(all[active]);
    } else {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
  }, true);

  document.addEventListener("focusout", function (event) {
    if (event.target === field) close();
  });
  // The comment form is replaced after a comment is sent: forget its field (its listbox went with it).
  document.addEventListener("htmx:afterSwap", function () {
    if (field && !field.isConnected) { field = null; box = null; active = -1; }
  });
})();
