// The studio's upload page: drop or pick several files; each is sent on its own XMLHttpRequest to the
// upload API (session + CSRF), streamed by the browser from disk (a File in FormData is never read into
// memory here), with real byte progress (xhr.upload.onprogress) and a cancel (xhr.abort()) while sending.
// Once accepted, the row hands over to htmx, which polls the upload's status fragment until it is final.
// Delegated on document (loaded once from <head>), so boosted navigation never sets it up twice.
(function () {
  "use strict";
  if (window.jonquilsStudio) return;
  window.jonquilsStudio = true;

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : document.body.getAttribute("data-csrf-token") || "";
  }
  function text(zone, name) { return zone.getAttribute("data-text-" + name) || ""; }

  function apiReason(xhr) {
    try {
      var body = JSON.parse(xhr.responseText);
      var fields = body.fields || {};
      var first = Object.keys(fields).map(function (key) { return [].concat(fields[key])[0]; })[0];
      return first || body.detail || "";
    } catch (e) { return ""; }
  }

  function statusUrl(zone, id) { return zone.getAttribute("data-status-url").replace(/\/0\/status$/, "/" + id + "/status"); }

  function follow(zone, row, upload) {
    // Hand the row to htmx: the status fragment polls itself until the upload is final.
    var state = row.querySelector(".upload-state");
    var holder = document.createElement("div");
    holder.className = "upload-status is-queued";
    holder.setAttribute("hx-get", statusUrl(zone, upload.id) + (upload.duplicate ? "?duplicate=1" : ""));
    holder.setAttribute("hx-trigger", "load");
    holder.setAttribute("hx-swap", "outerHTML");
    holder.setAttribute("hx-push-url", "false");
    holder.textContent = text(zone, "queued");
    state.replaceChildren(holder);
    if (window.htmx) htmx.process(holder);
  }

  function fail(row, message) {
    row.classList.add("is-failed");
    var state = row.querySelector(".upload-state");
    var box = document.createElement("div");
    box.className = "upload-status is-failed";
    box.setAttribute("data-state", "failed");
    var badge = document.createElement("span");
    badge.className = "badge badge-bad";
    badge.textContent = message[0];
    var reason = document.createElement("span");
    reason.className = "upload-reason";
    reason.textContent = " " + message[1];
    box.append(badge, reason);
    state.replaceChildren(box);
  }

  function send(zone, file) {
    var template = document.getElementById("upload-row-template");
    var rows = document.getElementById("upload-rows");
    if (!template || !rows) return;
    var row = template.content.firstElementChild.cloneNode(true);
    row.querySelector(".upload-name").textContent = file.name;
    var bar = row.querySelector("progress"), percent = row.querySelector(".upload-percent");
    var cancel = row.querySelector(".upload-cancel");
    bar.setAttribute("aria-label", text(zone, "sending") + " " + file.name);
    rows.prepend(row);

    var xhr = new XMLHttpRequest();
    function show(loaded, total) {
      var value = total ? Math.floor(100 * loaded / total) : 0;
      bar.value = value;
      percent.textContent = value + " %";
    }
    xhr.upload.onprogress = function (event) { if (event.lengthComputable) show(event.loaded, event.total); };
    xhr.upload.onload = function () { show(1, 1); row.classList.add("is-sent"); cancel.hidden = true; };
    xhr.onload = function () {
      cancel.hidden = true;
      if (xhr.status === 202) {
        show(1, 1);
        var upload = {};
        try { upload = JSON.parse(xhr.responseText); } catch (e) { /* answered by the API: always JSON */ }
        follow(zone, row, upload);
      } else if (xhr.status === 413) {
        fail(row, [text(zone, "too-large"), apiReason(xhr)]);
      } else {
        fail(row, [text(zone, "refused"), apiReason(xhr) || ("HTTP " + xhr.status)]);
      }
    };
    xhr.onerror = function () { cancel.hidden = true; fail(row, [text(zone, "refused"), text(zone, "network")]); };
    xhr.onabort = function () {
      cancel.hidden = true;
      row.classList.add("is-cancelled");
      row.querySelector(".upload-state").textContent = text(zone, "cancelled");
    };
    cancel.addEventListener("click", function () { xhr.abort(); });

    var body = new FormData();
    body.append("file", file, file.name);
    xhr.open("POST", zone.getAttribute("data-upload-url"));
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.setRequestHeader("Accept", "application/json");
    xhr.send(body);
  }

  function sendAll(zone, files) {
    Array.prototype.forEach.call(files || [], function (file) { send(zone, file); });
  }

  document.addEventListener("dragover", function (event) {
    var zone = event.target.closest && event.target.closest("#upload-drop");
    if (!zone) { if (document.getElementById("upload-drop")) event.preventDefault(); return; }
    event.preventDefault();
    zone.classList.add("is-over");
  });
  document.addEventListener("dragleave", function (event) {
    var zone = event.target.closest && event.target.closest("#upload-drop");
    if (zone && !zone.contains(event.relatedTarget)) zone.classList.remove("is-over");
  });
  document.addEventListener("drop", function (event) {
    var zone = event.target.closest && event.target.closest("#upload-drop");
    // a file dropped beside the zone must not open it in the tab (that full load would stop the music)
    if (!zone) { if (document.getElementById("upload-drop")) event.preventDefault(); return; }
    event.preventDefault();
    zone.classList.remove("is-over");
    sendAll(zone, event.dataTransfer && event.dataTransfer.files);
  });
  document.addEventListener("change", function (event) {
    if (event.target.id !== "upload-input") return;
    sendAll(document.getElementById("upload-drop"), event.target.files);
    event.target.value = "";
  });
  // a URL queued: clear the box and the last error (an error answer swaps #url-error itself)
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target;
    // (the page's htmx config swaps 4xx answers too, so "successful" is true for them: read the status)
    if (!form.classList || !form.classList.contains("url-upload") || !event.detail.xhr || event.detail.xhr.status >= 400) return;
    form.reset();
    var error = document.getElementById("url-error");
    if (error) error.replaceChildren();
  });
})();
