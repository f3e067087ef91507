// Attachments panel: drag and drop, paste and file picker uploads with a progress bar per file.
// Files go one at a time by XHR (upload progress events); the server answers with the #attachments
// fragment, whose list replaces ours. No inline scripts: everything is delegated from document.
(function () {
  "use strict";
  if (window.linearWebAttachments) return;  // the panel may be included more than once
  window.linearWebAttachments = true;
  document.documentElement.classList.add("js-uploads");

  function panel() { return document.getElementById("attachments"); }

  // The CSRF token base.html puts in hx-headers on <body>.
  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (e) { return ""; }
  }

  function progressRow(name) {
    const row = document.createElement("li");
    row.className = "upload-row";
    const label = document.createElement("span");
    label.className = "upload-row-name";
    label.textContent = name;
    const bar = document.createElement("progress");
    bar.max = 100; bar.value = 0;
    bar.setAttribute("aria-label", "Uploading " + name);
    const status = document.createElement("span");
    status.className = "upload-row-status";
    status.textContent = "Waiting…";
    row.append(label, bar, status);
    return { row: row, bar: bar, status: status };
  }

  function fail(ui, message) {
    ui.row.classList.add("is-error");
    ui.status.textContent = message;
  }

  function messageFor(xhr, root) {
    const fromServer = xhr.responseXML && xhr.responseXML.querySelector("[data-upload-error]");
    if (fromServer && fromServer.textContent.trim()) return fromServer.textContent.trim();
    if (xhr.status === 413) return "Too large: the limit is " + root.dataset.maxMb + " MB.";
    if (xhr.status === 415) return "This type of file is not allowed.";
    if (xhr.status === 400) return "The form expired: reload the page and try again.";
    return "Upload failed (" + xhr.status + ").";
  }

  // Put the server's fresh list (and count) in place of ours; htmx wires the new forms.
  function adopt(doc) {
    ["attachment-list", "attachment-count"].forEach(function (id) {
      const fresh = doc && doc.getElementById(id);
      const current = document.getElementById(id);
      if (fresh && current) {
        const node = document.importNode(fresh, true);
        current.replaceWith(node);
        if (window.htmx) window.htmx.process(node);
      }
    });
  }

  function send(file, ui, root) {
    return new Promise(function (resolve) {
      if (file.size > Number(root.dataset.maxBytes)) {
        fail(ui, "Too large: the limit is " + root.dataset.maxMb + " MB.");
        return resolve();
      }
      const xhr = new XMLHttpRequest();
      xhr.open("POST", root.dataset.uploadUrl);
      xhr.responseType = "document";
      xhr.setRequestHeader("X-CSRFToken", csrfToken());
      xhr.setRequestHeader("HX-Request", "true");
      xhr.setRequestHeader("HX-Target", "attachments");
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) return;
        const pct = Math.round((e.loaded / e.total) * 100);
        ui.bar.value = pct;
        ui.status.textContent = pct + "%";
      });
      xhr.addEventListener("load", function () {
        if (xhr.status >= 200 && xhr.status < 300) {
          ui.bar.value = 100;
          ui.row.classList.add("is-done");
          ui.status.textContent = "Uploaded";
          adopt(xhr.responseXML);
        } else {
          fail(ui, messageFor(xhr, root));
          if (xhr.status === 422 || xhr.status === 415) adopt(xhr.responseXML);
        }
        resolve();
      });
      xhr.addEventListener("error", function () { fail(ui, "Network error: the file was not saved."); resolve(); });
      xhr.addEventListener("abort", function () { fail(ui, "Upload cancelled."); resolve(); });
      const body = new FormData();
      body.append("file", file, file.name);
      ui.status.textContent = "0%";
      xhr.send(body);
    });
  }

  // Several files: one row each, sent one after the other so each shows its own progress.
  function upload(files) {
    const root = panel();
    if (!root || !files || !files.length) return;
    const list = document.getElementById("upload-progress");
    const error = document.getElementById("upload-error");
    if (error) { error.hidden = true; error.textContent = ""; }
    list.querySelectorAll(".is-done").forEach(function (row) { row.remove(); });
    const rows = Array.prototype.map.call(files, function (file) {
      const ui = progressRow(file.name || "pasted file");
      list.append(ui.row);
      return { file: file, ui: ui };
    });
    rows.reduce(function (chain, item) {
      return chain.then(function () { return send(item.file, item.ui, root); });
    }, Promise.resolve());
  }

  document.addEventListener("change", function (e) {
    const input = e.target.closest && e.target.closest("[data-attachment-input]");
    if (!input || !input.files.length) return;
    upload(Array.prototype.slice.call(input.files));
    input.value = "";
  });

  document.addEventListener("submit", function (e) {
    const form = e.target.closest && e.target.closest("[data-dropzone]");
    if (!form) return;
    e.preventDefault();
    const input = form.querySelector("[data-attachment-input]");
    upload(Array.prototype.slice.call(input.files));
    input.value = "";
  });

  function dropzoneOf(e) { return e.target.closest && e.target.closest("[data-dropzone]"); }
  function hasFiles(e) { return e.dataTransfer && Array.prototype.indexOf.call(e.dataTransfer.types, "Files") !== -1; }

  ["dragenter", "dragover"].forEach(function (type) {
    document.addEventListener(type, function (e) {
      const zone = dropzoneOf(e);
      if (!zone || !hasFiles(e)) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = "copy";
      zone.classList.add("is-dragover");
    });
  });
  document.addEventListener("dragleave", function (e) {
    const zone = dropzoneOf(e);
    if (zone && !zone.contains(e.relatedTarget)) zone.classList.remove("is-dragover");
  });
  document.addEventListener("drop", function (e) {
    const zone = dropzoneOf(e);
    if (!zone) return;
    e.preventDefault();
    zone.classList.remove("is-dragover");
    upload(Array.prototype.slice.call(e.dataTransfer.files));
  });

  // Pasting files (a screenshot) anywhere on an issue page attaches them; pasted text is left alone.
  document.addEventListener("paste", function (e) {
    if (!panel() || !e.clipboardData || !e.clipboardData.files.length) return;
    e.preventDefault();
    upload(Array.prototype.slice.call(e.clipboardData.files));
  });
})();
