// Live updates: one socket per page (/ws), HTML pushes applied without a reload.
// Protocol (templates/live/_ops.html, sent by linear_web/realtime/page_stream.py): each message is
// HTML; for every top-level element
//   data-live="ready"    the server has subscribed this socket
//   data-live="refresh"  re-fetch the page's own fragment with its filters (#live-refetch)
//   data-live="gone"     the issue was deleted or moved out of reach: say so
//   data-live="append"   <template> whose content is appended once to data-target (data-key = its id)
//   hx-swap-oob="delete" remove the element with that id
//   any other element with an id replaces the element with that id (row, card, panel)
// Nothing the user is typing is replaced: such elements are marked stale and refreshed later.
(function () {
  "use strict";
  const root = document.getElementById("live");
  if (!root || !window.WebSocket || !window.htmx) return;

  const FINAL = [4400, 4401, 4403, 4404];   // no point retrying: bad page, logged out, no access
  let socket = null;
  let attempts = 0;
  let everReady = false;
  let refreshTimer = null;
  let refreshing = false;
  let leaving = false;

  function setState(state, label) {
    root.setAttribute("data-state", state);
    root.querySelector(".live-label").textContent = label;
  }

  // -- What the user is doing: typing, a changed field, a card being dragged ---------------------
  function typingIn(el) {
    const active = document.activeElement;
    if (active && el.contains(active) && window.linearWeb && window.linearWeb.isTyping(active)) return true;
    return Array.from(el.querySelectorAll("input, textarea, select")).some(function (field) {
      if (field.type === "checkbox" || field.type === "radio") return false;
      if (field.type === "hidden") return false;
      if (field.tagName === "SELECT") return selectChanged(field);
      return field.value !== field.defaultValue;
    });
  }

  // A select differs from how the page drew it (with no `selected` option, the first one is the default).
  function selectChanged(select) {
    const options = Array.from(select.options);
    if (select.multiple) return options.some(function (o) { return o.selected !== o.defaultSelected; });
    let initial = -1;
    options.forEach(function (o, i) { if (o.defaultSelected) initial = i; });
    if (initial < 0 && options.length) initial = 0;
    return select.selectedIndex !== initial;
  }

  function dragging() {
    return !!document.querySelector(".sortable-chosen, .sortable-drag, .sortable-ghost");
  }

  function busy(el) {
    return typingIn(el) || (dragging() && (el.id === "board" || !!el.closest("#board")));
  }

  // Selected rows stay selected when their row (or the whole list) is replaced.
  function checkedBoxes(el) {
    return Array.from(el.querySelectorAll("input[type=checkbox]:checked")).map(function (box) {
      return [box.name, box.value];
    });
  }

  function restoreChecked(pairs) {
    pairs.forEach(function (pair) {
      document.querySelectorAll("input[type=checkbox]").forEach(function (box) {
        if (box.name === pair[0] && box.value === pair[1]) box.checked = true;
      });
    });
  }

  // -- Applying pushes ----------------------------------------------------------------------------
  function replace(fresh) {
    const current = document.getElementById(fresh.id);
    if (!current) return;
    if (busy(current)) {
      current.classList.add("live-stale");
      scheduleRefresh(1000);
      return;
    }
    const checked = checkedBoxes(current);
    // Keyboard users keep their place: a swapped element that held focus gets it back.
    const focused = current.contains(document.activeElement) ? (document.activeElement.id || fresh.id) : null;
    fresh.classList.add("live-flash");
    const column = fresh.classList.contains("board-card") && current.getAttribute("data-status") !== fresh.getAttribute("data-status")
      ? document.querySelector('#board .board-cards[data-status="' + fresh.getAttribute("data-status") + '"]') : null;
    if (column) {
      htmx.remove(current);
      htmx.swap(column, fresh.outerHTML, { swapStyle: "beforeend" });
    } else {
      htmx.swap(current, fresh.outerHTML, { swapStyle: "outerHTML" });
    }
    restoreChecked(checked);
    // Grouped other than by status (display options), a changed row or card may belong in another
    // group: the page's fragment is fetched again to place it (status groups place it themselves).
    const grouped = document.querySelector("[data-group-by]");
    if (grouped && grouped.getAttribute("data-group-by") !== "status"
        && (fresh.classList.contains("issue-row") || fresh.classList.contains("board-card"))) scheduleRefresh(300);
    const refocus = focused && document.getElementById(focused);
    if (refocus) refocus.focus({ preventScroll: true });
  }

  function appendOnce(tpl) {
    const key = tpl.getAttribute("data-key");
    const target = document.getElementById(tpl.getAttribute("data-target"));
    if (!target || (key && document.getElementById(key))) return;
    htmx.swap(target, tpl.innerHTML, { swapStyle: "beforeend" });
    const added = key && document.getElementById(key);
    if (added) added.classList.add("live-flash");
  }

  function gone(message) {
    const box = document.getElementById("live-gone");
    if (!box) return;
    box.textContent = message;
    box.hidden = false;
  }

  function apply(html) {
    const tpl = document.createElement("template");
    tpl.innerHTML = html;
    Array.from(tpl.content.children).forEach(function (el) {
      const op = el.getAttribute("data-live");
      if (op === "ready") return ready();
      if (op === "refresh") return scheduleRefresh(150);
      if (op === "gone") return gone(el.textContent);
      if (op === "append") return appendOnce(el);
      if (el.getAttribute("hx-swap-oob") === "delete") {
        const doomed = el.id && document.getElementById(el.id);
        if (doomed) htmx.remove(doomed);
        return;
      }
      if (el.id) replace(el);
    });
  }

  // -- Re-fetching the page's own fragment (placement depends on filters; catching up) ------------
  function scheduleRefresh(delay) {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refresh, delay);
  }

  function refresh() {
    const trigger = document.getElementById("live-refetch");
    if (!trigger) return;
    if (dragging()) return scheduleRefresh(1000);
    htmx.trigger(trigger, "live-refresh");
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.elt && event.detail.elt.id === "live-refetch") refreshing = true;
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.elt && event.detail.elt.id === "live-refetch") setTimeout(function () { refreshing = false; }, 0);
  });
  // A refresh never replaces what the user is busy with; the next push or refresh catches up.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.elt && event.detail.elt.id === "live-refetch" && event.detail.target && busy(event.detail.target)) {
      event.detail.shouldSwap = false;
      scheduleRefresh(1000);
    }
  });
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    if (refreshing && busy(event.detail.target)) {
      event.detail.shouldSwap = false;
      event.detail.target.classList.add("live-stale");
    }
  });
  let checkedBeforeRefresh = [];
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.elt && event.detail.elt.id === "live-refetch" && event.detail.target) {
      checkedBeforeRefresh = checkedBoxes(event.detail.target);
    }
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.elt && event.detail.elt.id === "live-refetch") {
      restoreChecked(checkedBeforeRefresh);
      checkedBeforeRefresh = [];
    }
  });

  // -- The socket: connect, reconnect with backoff, catch up after a reconnect ---------------------
  function ready() {
    attempts = 0;
    setState("live", "Live");
    if (everReady) scheduleRefresh(50);        // events may have been missed while disconnected
    everReady = true;
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + root.getAttribute("data-url"));
    socket.addEventListener("message", function (event) { apply(event.data); });
    socket.addEventListener("close", function (event) {
      socket = null;
      if (leaving) return;
      if (FINAL.indexOf(event.code) >= 0) {
        setState("offline", event.code === 4401 ? "Offline — log in again" : "Offline");
        return;
      }
      attempts += 1;
      const cap = event.code === 4429 ? 30000 : Math.min(30000, 500 * Math.pow(2, attempts));
      setState("reconnecting", "Reconnecting…");
      setTimeout(connect, cap / 2 + Math.random() * cap / 2);
    });
  }

  // A page restored from the back/forward cache has a dead socket: open a new one.
  window.addEventListener("pageshow", function (event) {
    leaving = false;
    if (event.persisted && !socket) connect();
  });
  window.addEventListener("pagehide", function () {
    leaving = true;
    if (socket) socket.close(1000);
  });

  connect();
})();
