// Board: SortableJS drag and drop plus a keyboard way to move cards. Moves are optimistic:
// the card moves at once, the server answers with the stored card, or a message and the card
// goes back where it was (409 someone changed it meanwhile, 422 refused). Column counts are the
// server's: every answer brings them out of band.
(function () {
  "use strict";
  const reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (e) { return ""; }
  }

  function announce(text) {
    const live = document.getElementById("board-live");
    if (!live) return;
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text; }, 50);
  }

  function showMessage(text) {
    const el = document.getElementById("board-message");
    if (!el) return;
    el.textContent = text || "";
    el.hidden = !text;
  }

  function columnName(list) {
    const title = list.closest(".board-column").querySelector(".board-column-title");
    return title ? title.textContent.trim() : (list.dataset.status || list.dataset.group);
  }

  // "position 2 of 5 in Todo": where a card is, for screen-reader announcements.
  function where(card) {
    const cards = Array.from(card.parentElement.children);
    return "position " + (cards.indexOf(card) + 1) + " of " + cards.length + " in " + columnName(card.parentElement);
  }

  function listFor(status) {
    return document.querySelector('#board .board-cards[data-status="' + status + '"]');
  }

  // Put a card back where it came from after a refused move.
  function rollback(card, origin) {
    const next = origin.next && origin.next.parentElement === origin.list ? origin.next : null;
    origin.list.insertBefore(card, next);
  }

  // The stored card replaces the optimistic one; if it now lives in another column, it goes there.
  function settle(card, fresh) {
    const hadFocus = document.activeElement === card;
    if (fresh.dataset.status !== card.parentElement.dataset.status) {
      const target = listFor(fresh.dataset.status);
      if (target) target.insertBefore(card, target.firstElementChild);
    }
    card.replaceWith(fresh);
    if (hadFocus) fresh.focus();
    return fresh;
  }

  function persist(card, origin) {
    const list = card.parentElement;
    const prev = card.previousElementSibling;
    const next = card.nextElementSibling;
    // A board grouped other than by status (display options) names its columns by data-group:
    // the server sets the field of the column the card entered (and, for labels, of the one it left).
    const board = document.getElementById("board");
    const groupBy = board.dataset.groupBy || "status";
    const key = function (el) { return groupBy === "status" ? el.dataset.status : el.dataset.group; };
    const body = new URLSearchParams({
      issue: card.dataset.issueId, status: key(list), version: card.dataset.version,
      after: prev ? prev.dataset.issueId : "", before: next ? next.dataset.issueId : "",
    });
    if (groupBy !== "status") {
      body.set("group_by", groupBy);
      if (origin && origin.list) body.set("from", key(origin.list));
    }
    const label = card.dataset.identifier;
    card.classList.add("is-saving");
    card.setAttribute("aria-busy", "true");
    return fetch(board.dataset.moveUrl, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true", "HX-Current-URL": window.location.href },
    }).then(function (resp) {
      return resp.text().then(function (html) {
        // The column counts (and the message) are out-of-band parts, swapped as htmx would.
        if (window.htmx) window.htmx.swap(document.body, html, { swapStyle: "none" });
        const tpl = document.createElement("template");
        tpl.innerHTML = html;
        const fresh = tpl.content.querySelector(".board-card");
        const note = tpl.content.querySelector("#board-message");
        // The live push of this very move can win the race and swap in the stored card first.
        const pushed = !card.isConnected && document.getElementById(card.id);
        if (resp.ok && (fresh || pushed)) {
          const shown = pushed || settle(card, fresh);
          showMessage("");
          announce(label + " saved, " + where(shown) + ".");
          return;
        }
        if (pushed) return;
        rollback(card, origin);
        const message = (note && note.textContent.trim()) || "The move could not be saved. Reload the board.";
        if (fresh) settle(card, fresh); else if (resp.status === 404) card.remove();
        card.classList.remove("is-saving");
        card.removeAttribute("aria-busy");
        showMessage(message);
        announce(label + " was not moved: " + message);
      });
    }).catch(function () {
      if (!card.isConnected) return;
      rollback(card, origin);
      card.classList.remove("is-saving");
      card.removeAttribute("aria-busy");
      showMessage("The move could not be saved: the server did not answer.");
    });
  }

  function initSortable(list) {
    if (list.dataset.sortable || !window.Sortable) return;
    list.dataset.sortable = "1";
    let origin = null;
    window.Sortable.create(list, {
      group: "board", animation: reduceMotion ? 0 : 150, filter: ".is-saving", preventOnFilter: true,
      ghostClass: "is-ghost", chosenClass: "is-chosen", dragClass: "is-dragging",
      onStart: function (evt) { origin = { list: evt.from, next: evt.item.nextElementSibling }; },
      onEnd: function (evt) {
        if (evt.from === evt.to && evt.oldIndex === evt.newIndex) return;
        persist(evt.item, origin);
      },
    });
  }

  function init(root) {
    const scope = root && root.querySelectorAll ? root : document;
    if (scope.matches && scope.matches(".board-cards")) initSortable(scope);
    scope.querySelectorAll(".board-cards").forEach(initSortable);
  }

  // -- keyboard ---------------------------------------------------------------------------------
  function lists() { return Array.from(document.querySelectorAll("#board .board-cards")); }

  function moveAcross(card, step) {
    const all = lists();
    const from = card.parentElement;
    const target = all[all.indexOf(from) + step];
    if (!target) { announce(card.dataset.identifier + " is already in the " + (step < 0 ? "first" : "last") + " column."); return; }
    const origin = { list: from, next: card.nextElementSibling };
    target.insertBefore(card, target.firstElementChild);
    card.focus();
    announce(card.dataset.identifier + " moved to " + columnName(target) + ".");
    persist(card, origin);
  }

  function moveWithin(card, step) {
    const sibling = step < 0 ? card.previousElementSibling : card.nextElementSibling;
    if (!sibling) return;
    const origin = { list: card.parentElement, next: card.nextElementSibling };
    card.parentElement.insertBefore(card, step < 0 ? sibling : sibling.nextElementSibling);
    card.focus();
    announce(card.dataset.identifier + " moved to " + where(card) + ".");
    persist(card, origin);
  }

  function focusNeighbour(card, key) {
    if (key === "ArrowUp" || key === "ArrowDown") {
      const other = key === "ArrowUp" ? card.previousElementSibling : card.nextElementSibling;
      if (other) other.focus();
      return;
    }
    const all = lists();
    const index = Array.from(card.parentElement.children).indexOf(card);
    const step = key === "ArrowLeft" ? -1 : 1;
    for (let i = all.indexOf(card.parentElement) + step; i >= 0 && i < all.length; i += step) {
      const cards = all[i].children;
      if (cards.length) { cards[Math.min(index, cards.length - 1)].focus(); return; }
    }
  }

  // Capture phase: runs before the global shortcut handler, which skips prevented events.
  document.addEventListener("keydown", function (event) {
    const card = event.target.closest && event.target.closest("#board .board-card");
    if (!card || event.ctrlKey || event.metaKey || event.altKey) return;
    const busy = card.classList.contains("is-saving");
    const key = event.key;
    if (key === "[" || (event.shiftKey && key === "ArrowLeft")) { if (!busy) moveAcross(card, -1); }
    else if (key === "]" || (event.shiftKey && key === "ArrowRight")) { if (!busy) moveAcross(card, 1); }
    else if (event.shiftKey && (key === "ArrowUp" || key === "ArrowDown")) { if (!busy) moveWithin(card, key === "ArrowUp" ? -1 : 1); }
    else if (["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight"].indexOf(key) >= 0) focusNeighbour(card, key);
    else if (key === "Enter") { const link = card.querySelector(".card-title"); if (link) link.click(); }
    else return;
    event.preventDefault();
  }, true);

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.detail.elt); });
})();
