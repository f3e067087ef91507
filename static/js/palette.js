// The command palette (Ctrl/Cmd+K) and the theme switch. templates/_palette.html holds the dialog,
// the commands, the actions and the values of the "Set …" steps as <template>s; issues come from
// GET /palette/issues?q= as you type (debounced), a team's members, labels and cycles from GET
// /team/<key>/palette/options when an action's second step needs them. Opening fetches nothing.
//
// Keys: ArrowDown/ArrowUp move, Enter runs, Backspace in an empty box goes back a step, Escape closes
// (focus returns where it was). The input is a combobox pointing at the highlighted option with
// aria-activedescendant; options never take focus. The last five commands come first.
//
// Deferred; the theme is static/js/theme.js's, which runs before the body paints. No inline
// scripts or styles (CSP).
(function () {
  "use strict";

  // The theme itself is static/js/theme.js's (loaded first, before the body paints).
  function setTheme(theme) {
    if (window.linearWebTheme) window.linearWebTheme.set(theme);
  }

  // --- Fuzzy matching: the typed letters in order, runs and word starts score ------------------
  function wordStart(text, i) {
    return i === 0 || /[\s\-_·/.:,(…]/.test(text.charAt(i - 1));
  }

  // The score of matching q from text[start]; preferWords jumps to a later word start when the
  // next letter does not follow at once. -1 when the letters are not all there in order.
  function align(q, t, start, preferWords) {
    let score = (wordStart(t, start) ? 8 : 1) + (start === 0 ? 2 : 0);
    let prev = start;
    let run = 1;
    for (let i = 1; i < q.length; i++) {
      const c = q.charAt(i);
      let at = -1;
      if (t.charAt(prev + 1) === c) {
        at = prev + 1;
        run += 1;
        score += 3 + Math.min(run, 6);
      } else {
        if (preferWords) {
          for (let j = prev + 1; j < t.length; j++) {
            if (t.charAt(j) === c && wordStart(t, j)) { at = j; break; }
          }
        }
        if (at < 0) at = t.indexOf(c, prev + 1);
        if (at < 0) return -1;
        run = 1;
        score += wordStart(t, at) ? 6 : 1;
      }
      prev = at;
    }
    return score - t.length * 0.01;
  }

  // Best score of query in text (-1: no match). Spaces in the query are ignored.
  function fuzzy(query, text) {
    const q = query.toLowerCase().replace(/\s+/g, "");
    const t = text.toLowerCase();
    if (!q) return 0;
    let best = -1;
    for (let start = t.indexOf(q.charAt(0)), tries = 0; start >= 0 && tries < 24;
      start = t.indexOf(q.charAt(0), start + 1), tries++) {
      let score = align(q, t, start, true);
      if (score < 0) score = align(q, t, start, false);
      if (score > best) best = score;
    }
    return best;
  }

  // A weak match (letters scattered through the label) is left out, so a word typed to find an
  // issue does not bring every command that happens to hold its letters: after the first letter,
  // the others must mostly follow each other or start words.
  function strongEnough(score, query) {
    const n = query.replace(/\s+/g, "").length;
    return score >= (n <= 1 ? 1 : 8 + (n - 1) * 3);
  }

  // --- Recently used commands ---------------------------------------------------------------
  const RECENT_KEY = "linear_web.palette.recent";
  function recentIds() {
    try {
      const ids = JSON.parse(window.localStorage.getItem(RECENT_KEY) || "[]");
      return Array.isArray(ids) ? ids.filter(function (x) { return typeof x === "string"; }).slice(0, 5) : [];
    } catch (e) { return []; }
  }
  function remember(id) {
    if (!id) return;
    const ids = [id].concat(recentIds().filter(function (x) { return x !== id; })).slice(0, 5);
    try { window.localStorage.setItem(RECENT_KEY, JSON.stringify(ids)); } catch (e) { /* not kept */ }
  }

  // --- The palette ------------------------------------------------------------------------------
  const ISSUE_REF = /^[a-z][a-z0-9]*-\d+$/i;
  let dialog, input, listbox, stepChip, empty, status;
  let commands = [];    // {id, text, node}
  let actions = [];     // {id, text, node, scopes}
  let issueNodes = [];  // the last answer of /palette/issues
  let step = null;      // the second step: {kind, title, ctx, items, loading}
  let ctx = null;       // what actions apply to: {kind: "issue"|"bulk", ...}
  let opener = null;    // focused before opening; focused again after closing
  let activeNode = null;
  let picked = false;   // the highlight was moved by the user: an answer arriving keeps it
  let timer = null;
  let asked = 0;        // answers to older questions are dropped
  let searching = false; // an issue search is waiting or under way
  let enterWaits = false; // Enter came before the answer: run the first option when it arrives
  let serial = 0;

  function itemsOf(templateId) {
    const tpl = document.getElementById(templateId);
    if (!tpl) return [];
    return Array.prototype.map.call(tpl.content.querySelectorAll("[role=option]"), function (node) {
      const clone = document.importNode(node, true);
      const label = clone.querySelector(".palette-label");
      return {
        id: clone.getAttribute("data-id") || "",
        text: (label ? label.textContent : clone.textContent).trim() + " " + (clone.getAttribute("data-keywords") || ""),
        node: clone,
        scopes: (clone.getAttribute("data-for") || "").split(" "),
      };
    });
  }

  function optionsIn(html) {
    const holder = document.createElement("div");
    holder.innerHTML = html;  // server-rendered, escaped by Jinja
    return Array.prototype.slice.call(holder.children);
  }

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; } catch (e) { return ""; }
  }

  // What actions would change: the open issue, or the list's checked rows.
  function currentContext() {
    const page = document.querySelector("[data-page=issue-detail][data-issue]");
    if (page) {
      const ref = page.getAttribute("data-issue");
      return { kind: "issue", ref: ref, url: page.getAttribute("data-issue-url"), label: ref };
    }
    if (document.querySelector("[data-page=issue-list]") && dialog.getAttribute("data-bulk-url")) {
      const rows = Array.prototype.map.call(document.querySelectorAll("#issue-list .row-check:checked"), function (box) {
        return box.closest(".issue-row");
      }).filter(Boolean);
      if (rows.length) {
        return { kind: "bulk", rows: rows, label: rows.length === 1 ? rows[0].getAttribute("data-identifier") : rows.length + " issues" };
      }
    }
    return null;
  }

  // Items sorted for the query: by score (recent commands a little ahead), or recent first when empty.
  function rank(items, query, useRecent) {
    const recent = useRecent ? recentIds() : [];
    const q = query.trim();
    const scored = items.map(function (item, index) {
      const r = recent.indexOf(item.id);
      const score = q ? fuzzy(q, item.text) : 0;
      return { item: item, index: index, score: score, recent: r, ok: !q || (score >= 0 && strongEnough(score, q)) };
    }).filter(function (x) { return x.ok; });
    scored.forEach(function (x) { if (x.recent >= 0) x.score += q ? (5 - x.recent) * 0.5 : 100 - x.recent; });
    scored.sort(function (a, b) { return (b.score - a.score) || (a.index - b.index); });
    return scored.map(function (x) { return x.item.node; });
  }

  function group(name, nodes) {
    const el = document.createElement("div");
    el.className = "palette-group";
    el.setAttribute("role", "group");
    el.setAttribute("aria-label", name);
    const heading = document.createElement("div");
    heading.className = "palette-heading";
    heading.setAttribute("role", "presentation");
    heading.textContent = name;
    el.appendChild(heading);
    nodes.forEach(function (node) {
      if (!node.id) node.id = "palette-option-" + (++serial);
      node.setAttribute("aria-selected", "false");
      el.appendChild(node);
    });
    return el;
  }

  function options() {
    return Array.prototype.slice.call(listbox.querySelectorAll("[role=option]"));
  }

  function render() {
    const query = input.value;
    const groups = [];
    if (step) {
      groups.push([step.title, step.loading ? [] : rankValues(step, query)]);
    } else {
      const scoped = actions.filter(function (a) { return ctx && a.scopes.indexOf(ctx.kind) >= 0; });
      const issues = query.trim() ? issueNodes.filter(function (n) { return n.getAttribute("role") === "option"; }) : [];
      const named = ISSUE_REF.test(query.trim());
      if (named) groups.push(["Issues", issues]);
      if (ctx) groups.push(["Actions · " + ctx.label, rank(scoped, query, true)]);
      groups.push(["Commands", rank(commands, query, true)]);
      if (!named) groups.push(["Issues", issues]);
    }
    const keep = picked ? activeNode : null;
    listbox.textContent = "";
    groups.forEach(function (g) { if (g[1].length) listbox.appendChild(group(g[0], g[1])); });
    const all = options();
    input.setAttribute("aria-expanded", all.length ? "true" : "false");
    const error = !step && issueNodes.filter(function (n) { return n.classList.contains("palette-error"); })[0];
    empty.hidden = all.length > 0 && !error;
    empty.textContent = error ? error.textContent : (step && step.loading ? "Loading…" : "Nothing matches.");
    status.textContent = all.length === 1 ? "1 result" : all.length + " results";
    highlight(keep && all.indexOf(keep) >= 0 ? keep : all[0] || null);
  }

  function highlight(node) {
    options().forEach(function (o) { o.setAttribute("aria-selected", o === node ? "true" : "false"); });
    activeNode = node;
    if (node) {
      input.setAttribute("aria-activedescendant", node.id);
      node.scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  // An answer arrived: an Enter pressed while it was awaited runs the option now highlighted.
  function answered() {
    if (!enterWaits) return;
    enterWaits = false;
    if (activeNode) choose(activeNode);
  }

  function move(delta) {
    const all = options();
    if (!all.length) return;
    const index = all.indexOf(activeNode);
    picked = true;
    highlight(all[(index + delta + all.length) % all.length]);
  }

  // --- Issues as you type -------------------------------------------------------------------
  // Long enough to skip the requests of a fast typist's middle keystrokes, short enough that the
  // results arrive within 100 ms of the last one (BENCHMARKS.md, round 11): stale answers are dropped.
  const SEARCH_DEBOUNCE_MS = 50;
  function searchIssues() {
    clearTimeout(timer);
    const q = input.value.trim();
    const ticket = ++asked;
    searching = false;
    if (step || !q) { issueNodes = []; return; }
    searching = true;
    timer = setTimeout(function () {
      const url = dialog.getAttribute("data-issues-url") + "?q=" + encodeURIComponent(input.value);
      fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } })
        .then(function (resp) { return resp.status === 200 || resp.status === 422 ? resp.text() : ""; })
        .then(function (html) {
          if (ticket !== asked || !dialog.open || step) return;
          searching = false;
          issueNodes = optionsIn(html);
          render();
          answered();
        })
        .catch(function () { if (ticket === asked) { searching = false; answered(); } });
    }, SEARCH_DEBOUNCE_MS);
  }

  // --- Second steps: the values of an action --------------------------------------------------
  const STEP_TITLES = { status: "Status", priority: "Priority", assignee: "Assignee", labels: "Labels",
    "labels-remove": "Remove label", cycle: "Cycle", due: "Due date", team: "Move to team" };

  function isoDay(d) {
    const pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate());
  }

  function valueNode(value, label, meta) {
    const node = document.createElement("div");
    node.className = "palette-option";
    node.setAttribute("role", "option");
    node.setAttribute("data-value", value);
    const text = document.createElement("span");
    text.className = "palette-label";
    text.textContent = label;
    node.appendChild(text);
    if (meta) {
      const extra = document.createElement("span");
      extra.className = "palette-meta";
      extra.textContent = meta;
      node.appendChild(extra);
    }
    return node;
  }

  function dueValues() {
    const today = new Date();
    const plus = function (days) { const d = new Date(today); d.setDate(d.getDate() + days); return isoDay(d); };
    return [["Today", plus(0)], ["Tomorrow", plus(1)], ["In one week", plus(7)], ["In two weeks", plus(14)],
      ["In four weeks", plus(28)]].map(function (p) { return valueNode(p[1], p[0], p[1]); })
      .concat([valueNode("", "No due date", "")]);
  }

  function rankValues(st, query) {
    const items = st.items.map(function (node, index) {
      const label = node.querySelector(".palette-label");
      return { id: "", text: (label ? label.textContent : node.textContent) + " " + (node.getAttribute("data-value") || ""), node: node, index: index };
    });
    const ranked = rank(items, query, false);
    const typed = query.trim();
    if (st.kind === "due" && /^\d{4}-\d{2}-\d{2}$/.test(typed)) ranked.unshift(valueNode(typed, "Due on " + typed, ""));
    return ranked;
  }

  function markCurrent(kind, nodes) {
    if (!ctx || ctx.kind !== "issue") return;
    const field = { status: "status", priority: "priority" }[kind];
    const select = field && document.querySelector("#issue-properties [name=" + field + "]");
    if (!select) return;
    nodes.forEach(function (n) { if (n.getAttribute("data-value") === select.value) n.setAttribute("data-current", ""); });
  }

  function openStep(kind) {
    const c = ctx;
    const title = kind === "labels" && c.kind === "bulk" ? "Add label" : STEP_TITLES[kind];
    step = { kind: kind, ctx: c, title: title + " · " + c.label, items: [], loading: false };
    picked = false;
    stepChip.textContent = c.label + " › " + title;
    stepChip.hidden = false;
    input.value = "";
    input.setAttribute("placeholder", title + "…");
    if (kind === "due") {
      step.items = dueValues();
    } else if (kind === "status" || kind === "priority" || kind === "team") {
      step.items = itemsOf("palette-values-" + kind).map(function (i) { return i.node; });
      if (kind === "team") {
        const here = c.kind === "issue" ? c.ref.replace(/-\d+$/, "") : dialog.getAttribute("data-team");
        step.items = step.items.filter(function (n) { return n.getAttribute("data-value") !== here; });
      }
      markCurrent(kind, step.items);
    } else {
      step.loading = true;
      const st = step;
      let url = dialog.getAttribute("data-options-url") + "?kind=" + (kind === "labels-remove" ? "labels" : kind);
      if (c.kind === "issue") url += "&issue=" + encodeURIComponent(c.ref);
      fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } })
        .then(function (resp) { return resp.ok ? resp.text() : ""; })
        .then(function (html) {
          if (step !== st) return;
          st.items = optionsIn(html).filter(function (n) { return n.getAttribute("role") === "option"; });
          st.loading = false;
          render();
          answered();
        })
        .catch(function () { if (step === st) { st.loading = false; render(); answered(); } });
    }
    render();
  }

  function leaveStep() {
    step = null;
    picked = false;
    enterWaits = false;
    stepChip.hidden = true;
    stepChip.textContent = "";
    input.value = "";
    input.setAttribute("placeholder", "Type a command or search issues…");
    issueNodes = [];
    render();
  }

  // --- Sending a change -----------------------------------------------------------------------
  function flashMessage(text, kind) {
    const area = document.getElementById("flash");
    if (!area) return;
    const div = document.createElement("div");
    div.className = "flash flash-" + kind;
    div.textContent = text;
    area.appendChild(div);
  }

  // An htmx request whose answer replaces a region of the page (the issue's properties, the list);
  // a refusal that swaps nothing (404, 400) is told in the flash area.
  function swap(url, values, target, how) {
    if (!window.htmx) { window.location.reload(); return; }
    const failed = function (event) {
      const info = event.detail && event.detail.pathInfo;
      if (info && info.requestPath === url) flashMessage("That change was refused (" + event.detail.xhr.status + "). Reload and try again.", "error");
    };
    document.addEventListener("htmx:responseError", failed);
    const done = function () { document.removeEventListener("htmx:responseError", failed); };
    window.htmx.ajax("POST", url, { target: target, swap: how, values: values }).then(done, done);
  }

  // One plain POST per issue (due dates and moves of selected rows have no bulk form), then reload.
  function eachRow(rows, urlOf, values) {
    const token = csrfToken();
    const refused = [];
    rows.reduce(function (chain, row) {
      return chain.then(function () {
        const body = new FormData();
        Object.keys(values).forEach(function (k) { body.append(k, values[k]); });
        body.append("version", row.getAttribute("data-version") || "");
        // As the row's own pickers ask: the answer is the row (or, for a move, a redirect header).
        return fetch(urlOf(row), { method: "POST", credentials: "same-origin", body: body,
          headers: { "X-CSRFToken": token, "HX-Request": "true", "HX-Target": row.id } })
          .then(function (resp) { if (!resp.ok) refused.push(row.getAttribute("data-identifier")); },
            function () { refused.push(row.getAttribute("data-identifier")); });
      });
    }, Promise.resolve()).then(function () {
      if (refused.length) flashMessage("Not changed: " + refused.join(", ") + ". Reload to see the others.", "error");
      else window.location.reload();
    });
  }

  function applyToIssue(st, option) {
    const c = st.ctx;
    const kind = st.kind;
    const value = option.getAttribute("data-value") || "";
    const versionInput = document.getElementById("issue-version");
    const version = versionInput ? versionInput.value : "";
    if (kind === "team") {
      swap(c.url + "/move", { team_id: value, version: version }, "#flash", "outerHTML");
    } else if (kind === "labels") {
      swap(c.url + "/planning", { picker: "labels", label_ids: labelsAfter(st.items, option), version: version },
        "#issue-properties", "outerHTML settle:0ms");
    } else {
      const values = { version: version };
      values[{ status: "status", priority: "priority", assignee: "assignee_id", cycle: "cycle_id", due: "due_date" }[kind]] = value;
      swap(c.url, values, "#issue-properties", "outerHTML settle:0ms");
    }
  }

  // The issue's label ids after toggling the chosen one (the step's options mark the current ones).
  function labelsAfter(items, option) {
    const chosen = option.getAttribute("data-value");
    const ids = items.filter(function (n) { return n.hasAttribute("data-current"); })
      .map(function (n) { return n.getAttribute("data-value"); })
      .filter(function (id) { return id !== chosen; });
    if (!option.hasAttribute("data-current")) ids.push(chosen);
    return ids;
  }

  function applyToRows(st, option) {
    const c = st.ctx;
    const kind = st.kind;
    const value = option.getAttribute("data-value") || "";
    if (kind === "due") {
      eachRow(c.rows, function (row) { return row.getAttribute("data-url"); }, { due_date: value });
      return;
    }
    if (kind === "team") {
      eachRow(c.rows, function (row) { return row.getAttribute("data-url") + "/move"; }, { team_id: value });
      return;
    }
    const filters = document.getElementById("issue-filters");
    const values = filters && filters.tagName === "FORM" ? new FormData(filters) : new FormData();
    c.rows.forEach(function (row) { values.append("ids", row.getAttribute("data-issue-id")); });
    const field = { status: "set_status", priority: "set_priority", assignee: "set_assignee", cycle: "set_cycle",
      labels: "add_label_ids", "labels-remove": "remove_label_ids" }[kind];
    values.append(field, value === "" && (kind === "assignee" || kind === "cycle") ? "none" : value);
    swap(dialog.getAttribute("data-bulk-url"), values, "#issue-list", "outerHTML");
  }

  // --- Running the chosen option --------------------------------------------------------------
  function runCommand(node) {
    const run = node.getAttribute("data-run");
    const href = node.getAttribute("data-href");
    if (run === "theme") {
      setTheme(node.getAttribute("data-value"));
    } else if (run === "logout") {
      const form = document.getElementById("palette-logout");
      if (form) form.submit();
    } else if (run === "shortcuts") {
      const help = document.getElementById("shortcuts-dialog");
      if (help && !help.open) help.showModal();
    } else if (run === "dialog" && href) {
      // app.js opens a[data-issue-dialog] links in the create dialog (htmx), or follows them.
      const link = document.createElement("a");
      link.href = href;
      link.setAttribute("data-issue-dialog", "");
      link.hidden = true;
      document.body.appendChild(link);
      link.click();
      link.remove();
    } else if (href) {
      window.location.href = href;
    }
  }

  function choose(node) {
    if (!node) return;
    if (step) {
      const st = step;
      close();
      if (st.ctx.kind === "issue") applyToIssue(st, node);
      else applyToRows(st, node);
      return;
    }
    if (node.getAttribute("data-kind") === "issue") {
      close();
      window.location.href = node.getAttribute("data-href");
      return;
    }
    remember(node.getAttribute("data-id"));
    if (node.hasAttribute("data-step")) {
      openStep(node.getAttribute("data-step"));
      return;
    }
    close();
    runCommand(node);
  }

  // --- Opening and closing --------------------------------------------------------------------
  function open() {
    if (!dialog || dialog.open) return;
    opener = document.activeElement;
    ctx = currentContext();
    step = null;
    issueNodes = [];
    activeNode = null;
    picked = false;
    stepChip.hidden = true;
    input.value = "";
    input.setAttribute("placeholder", "Type a command or search issues…");
    render();
    dialog.showModal();
    input.focus();
  }

  function close() {
    if (dialog && dialog.open) dialog.close();
  }

  function onClosed() {
    clearTimeout(timer);
    asked += 1;
    searching = false;
    enterWaits = false;
    step = null;
    ctx = null;
    listbox.textContent = "";
    input.removeAttribute("aria-activedescendant");
    input.setAttribute("aria-expanded", "false");
    const back = opener;
    opener = null;
    if (back && back.isConnected && typeof back.focus === "function" && back !== document.body) back.focus();
  }

  function onKey(event) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      move(event.key === "ArrowDown" ? 1 : -1);
    } else if (event.key === "Enter") {
      if (event.isComposing) return;
      if (!activeNode && ((step && step.loading) || (!step && searching))) enterWaits = true;
      else choose(activeNode);
    } else if (event.key === "Escape") {
      close();
    } else if (event.key === "Tab") {
      // Focus stays in the box: the options are reached with the arrows.
    } else if (event.key === "Backspace" && step && !input.value) {
      leaveStep();
    } else {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
  }

  function init() {
    dialog = document.getElementById("command-palette");
    if (!dialog) return;
    input = document.getElementById("palette-input");
    listbox = document.getElementById("palette-listbox");
    stepChip = document.getElementById("palette-step");
    empty = document.getElementById("palette-empty");
    status = document.getElementById("palette-status");
    commands = itemsOf("palette-commands");
    actions = itemsOf("palette-actions");

    input.addEventListener("keydown", onKey);
    input.addEventListener("input", function () { enterWaits = false; picked = false; searchIssues(); render(); });
    dialog.addEventListener("close", onClosed);
    dialog.addEventListener("cancel", function (event) { event.preventDefault(); close(); });
    // A click on the backdrop (the dialog box itself, outside the frame) closes.
    dialog.addEventListener("click", function (event) {
      if (event.target === dialog) { close(); return; }
      const option = event.target.closest("[role=option]");
      if (option && listbox.contains(option)) choose(option);
    });
    // Picking with the mouse keeps the focus in the box.
    listbox.addEventListener("mousedown", function (event) { event.preventDefault(); });
    listbox.addEventListener("mousemove", function (event) {
      const option = event.target.closest("[role=option]");
      if (option && option !== activeNode) { picked = true; highlight(option); }
    });

    // Ctrl+K / Cmd+K anywhere, even while typing: opens, or closes an open palette.
    document.addEventListener("keydown", function (event) {
      if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return;
      if ((event.key || "").toLowerCase() !== "k") return;
      event.preventDefault();
      event.stopPropagation();
      if (dialog.open) close(); else open();
    }, true);

    if (window.linearWeb) window.linearWeb.palette = { open: open, close: close, fuzzy: fuzzy, setTheme: setTheme };
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
