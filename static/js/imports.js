// Import CSV (team settings › Import): "Import N issues" sends the form by XHR and shows three real
// progress bars: the upload (bytes sent), the check (bytes of the file read on the server) and the
// write (issues inserted). The server streams one JSON object per line as it works (web/imports.py)
// and ends with {finished, created, location} (the summary) or {error, errors}. Without this script the form
// posts normally and the server answers with the summary. No inline scripts: delegated from document.
(function () {
  "use strict";
  if (window.linearWebImports) return;
  window.linearWebImports = true;
  document.documentElement.classList.add("js-imports");

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (e) { return ""; }
  }

  function el(id) { return document.getElementById(id); }

  function show(phase, done, total, text) {
    const bar = el("import-bar-" + phase);
    const status = el("import-status-" + phase);
    if (bar) bar.value = total ? Math.min(100, Math.round((done / total) * 100)) : 100;
    if (status) status.textContent = text;
  }

  function number(n) { return Number(n).toLocaleString("en"); }

  function fail(form, message, errors) {
    const box = el("import-progress-error");
    box.textContent = message;
    if (errors && errors.length) {
      const list = document.createElement("ul");
      errors.forEach(function (e) {
        const item = document.createElement("li");
        item.textContent = (e.row ? "Row " + e.row + (e.column ? " · " + e.column : "") + ": " : "") + e.message;
        list.append(item);
      });
      box.append(list);
    }
    box.hidden = false;
    el("import-progress-heading").textContent = "Nothing was imported";
    form.inert = false;
    form.classList.remove("is-importing");
  }

  function handle(form, msg) {
    if (msg.error) return fail(form, msg.error, msg.errors);
    if (msg.finished === true) {
      show("write", 1, 1, number(msg.created) + " created");
      el("import-progress-heading").textContent = "Imported " + number(msg.created) + " issues";
      window.location.assign(msg.location);
      return;
    }
    if (msg.phase === "check") {
      show("upload", 1, 1, "Sent");
      show("check", msg.count, msg.total, Math.round((msg.count / Math.max(1, msg.total)) * 100) + "%");
    } else if (msg.phase === "write") {
      show("check", 1, 1, "No problems");
      show("write", msg.count, msg.total, number(msg.count) + " of " + number(msg.total) + " issues");
    }
  }

  function messageFor(status) {
    if (status === 413) return "The file is too large for this server.";
    if (status === 400) return "The form expired: reload the page and try again.";
    if (status === 404) return "This team is no longer yours to import into.";
    return "The import failed (" + status + "): nothing was imported.";
  }

  function start(form) {
    const progress = el("import-progress");
    ["upload", "check", "write"].forEach(function (p) { show(p, 0, 1, ""); });
    el("import-progress-error").hidden = true;
    el("import-progress-error").textContent = "";
    el("import-progress-heading").textContent = "Importing…";
    progress.hidden = false;
    form.classList.add("is-importing");
    form.inert = true;

    const xhr = new XMLHttpRequest();
    let seen = 0;
    let finished = false;
    function consume() {
      const text = xhr.responseText;
      let end;
      while ((end = text.indexOf("\n", seen)) !== -1) {
        const line = text.slice(seen, end);
        seen = end + 1;
        if (!line.trim()) continue;
        let msg;
        try { msg = JSON.parse(line); } catch (e) { continue; }
        if (msg.error || msg.finished === true) finished = true;
        handle(form, msg);
      }
    }
    xhr.open("POST", form.getAttribute("action"));
    xhr.setRequestHeader("Accept", "application/x-ndjson");
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) show("upload", e.loaded, e.total, Math.round((e.loaded / e.total) * 100) + "%");
    });
    xhr.upload.addEventListener("load", function () { show("upload", 1, 1, "Sent"); });
    xhr.addEventListener("progress", consume);
    xhr.addEventListener("load", function () {
      if (xhr.status !== 200) return fail(form, messageFor(xhr.status));
      consume();
      if (!finished) fail(form, "The connection ended before the import reported back: open the issue list to see whether it was imported.");
    });
    xhr.addEventListener("error", function () { fail(form, "Network error: nothing was imported."); });
    xhr.send(new FormData(form));
    progress.scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("submit", function (e) {
    const form = e.target.closest && e.target.closest("[data-import-form]");
    if (!form || !e.submitter || !e.submitter.matches("[data-import-submit]")) return;
    e.preventDefault();
    start(form);
  });
})();
