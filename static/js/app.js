// Page widgets of the listener pages (loaded once, from <head>, with `defer`, before player.js).
// Everything is delegated on document or set up idempotently from htmx.onLoad, so boosted
// navigation never sets a widget up twice. No inline script anywhere (CSP default-src 'self').
(function () {
  "use strict";
  if (window.jonquilsPages) return;
  window.jonquilsPages = true;

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : document.body.getAttribute("data-csrf-token") || "";
  }

  // --- htmx: CSRF on every unsafe request; a full page swapped into <body> brings its <html>/<body> attributes
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.verb !== "get") event.detail.headers["X-CSRFToken"] = csrfToken();
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var text = event.detail.serverResponse;
    if (event.detail.target !== document.body || typeof text !== "string") return;
    var html = text.match(/<html\b[^>]*>/i), body = text.match(/<body\b[^>]*>/i);
    var parsed = new DOMParser().parseFromString((html ? html[0] : "<html>") + (body ? body[0] : "<body>") + "</body></html>", "text/html");
    if (html) {
      document.documentElement.lang = parsed.documentElement.lang || document.documentElement.lang;
      var theme = parsed.documentElement.getAttribute("data-theme");
      if (theme) document.documentElement.setAttribute("data-theme", theme); else document.documentElement.removeAttribute("data-theme");
    }
    if (body) {
      Array.prototype.forEach.call(parsed.body.attributes, function (attr) {
        if (attr.name.indexOf("data-") === 0) document.body.setAttribute(attr.name, attr.value);
      });
    }
  });

  // --- covers: a missing image shows the coloured placeholder behind it
  document.addEventListener("error", function (event) {
    var img = event.target;
    if (img && img.tagName === "IMG" && img.closest(".cover")) img.classList.add("is-missing");
  }, true);
  // This script is deferred: covers near the top may have failed before it listened (home's recent
  // plays showed the broken-image glyph), so the ones already broken are marked now. A lazy image not
  // yet loaded is not `complete`, and fails later through the listener above.
  document.querySelectorAll(".cover img").forEach(function (img) {
    if (img.complete && img.naturalWidth === 0 && img.getAttribute("src")) img.classList.add("is-missing");
  });

  // --- menus (<details>): one open at a time, closed by an outside click or Esc
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
    var action = event.target.closest(".menu-panel [data-player-action]");
    if (action) { var open = action.closest("details.menu"); if (open) open.removeAttribute("open"); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var menu = event.target.closest && event.target.closest("details.menu[open]");
    if (menu) { menu.removeAttribute("open"); var s = menu.querySelector("summary"); if (s) s.focus(); }
  });

  // --- theme switch: flip at once and remember it in the cookie the server renders from
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("theme-form")) return;
    event.preventDefault();
    event.stopPropagation();
    var root = document.documentElement;
    var current = root.getAttribute("data-theme") ||
      (window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");
    var next = current === "dark" ? "light" : "dark";
    root.setAttribute("data-theme", next);
    document.cookie = "jonquils_theme=" + next + "; path=/; max-age=31536000; samesite=lax";
    var button = form.querySelector("button[name=theme]");
    if (button) button.value = next === "dark" ? "light" : "dark";
  }, true);

  // --- search as you type: debounced; on /search only the results are replaced and the URL follows
  var searchTimer = null, searchAbort = null, SEARCH_DELAY = 220;
  function searchPath() { var input = document.getElementById("search-input"); return input ? input.getAttribute("data-search-url") : "/search"; }
  function runSearch(query) {
    var results = document.getElementById("search-results");
    var url = searchPath() + (query ? "?q=" + encodeURIComponent(query) : "");
    if (!results) {  // elsewhere: navigate to the search page the way a boosted form would (history kept)
      var form = document.querySelector("form.searchbox");
      if (form && window.htmx) htmx.trigger(form, "submit"); else window.location.assign(url);
      return;
    }
    if (searchAbort) searchAbort.abort();
    searchAbort = new AbortController();
    fetch(url, { headers: { "HX-Request": "true", "HX-Target": "search-results", "HX-Current-URL": location.href },
                 signal: searchAbort.signal, credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var current = document.getElementById("search-results");
        if (!current) return;
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var fresh = holder.querySelector("#search-results");
        if (!fresh) return;
        current.replaceWith(fresh);
        if (window.htmx) htmx.process(fresh);
        history.replaceState(history.state, "", url);
        document.title = fresh.getAttribute("data-title") || document.title;
      })
      .catch(function () { /* aborted by the next keystroke, or offline: the form still submits */ });
  }
  document.addEventListener("input", function (event) {
    if (event.target.id !== "search-input") return;
    var query = event.target.value.trim();
    clearTimeout(searchTimer);
    searchTimer = setTimeout(function () { runSearch(query); }, SEARCH_DELAY);
  });
  document.addEventListener("submit", function (event) {  // Enter in the box: search now, stay in the box
    if (!event.target.classList || !event.target.classList.contains("searchbox")) return;
    if (!document.getElementById("search-results")) return;  // elsewhere the boosted form navigates
    event.preventDefault();
    event.stopPropagation();
    clearTimeout(searchTimer);
    runSearch(document.getElementById("search-input").value.trim());
  }, true);

  function resultLinks() {
    return Array.prototype.slice.call(document.querySelectorAll("#search-results .track-title, #search-results .card-link"));
  }
  function markActive(link) {
    document.querySelectorAll("#search-results .is-active").forEach(function (el) { el.classList.remove("is-active"); });
    if (link) { link.closest("li").classList.add("is-active"); link.focus(); link.scrollIntoView({ block: "nearest" }); }
  }
  document.addEventListener("keydown", function (event) {
    var input = document.getElementById("search-input");
    if (!input) return;
    var inResults = event.target.closest && event.target.closest("#search-results");
    if (event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey &&
        !/^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName) && !event.target.isContentEditable) {
      event.preventDefault(); input.focus(); input.select(); return;
    }
    if (event.target !== input && !inResults) return;
    var links = resultLinks(), index = links.indexOf(document.activeElement);
    if (event.key === "ArrowDown" && links.length) {
      event.preventDefault(); markActive(links[Math.min(index + 1, links.length - 1)]);
    } else if (event.key === "ArrowUp" && (index >= 0)) {
      event.preventDefault();
      if (index === 0) { markActive(null); input.focus(); } else markActive(links[index - 1]);
    } else if (event.key === "Escape" && (event.target === input || inResults)) {
      if (event.target === input && input.value === "") { input.blur(); return; }
      event.preventDefault(); markActive(null); input.focus();
      if (event.target === input) { input.value = ""; clearTimeout(searchTimer); runSearch(""); }
    }
  });

  // a result opened from the search page is one search click (search analytics), never delaying the page
  var KINDS = { tracks: "track", artists: "artist", albums: "album", playlists: "playlist" };
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("#search-results a[href]");
    if (!link) return;
    var match = link.getAttribute("href").match(/^\/(tracks|artists|albums|playlists)\/(\d+)$/);
    var results = document.getElementById("search-results");
    if (!match || !results) return;
    var body = new FormData();
    body.append("query", results.getAttribute("data-query") || "");
    body.append("entity", KINDS[match[1]]);
    body.append("result_id", match[2]);
    fetch(document.body.getAttribute("data-search-click-url") || "/search/click",
          { method: "POST", body: body, keepalive: true, credentials: "same-origin", headers: { "X-CSRFToken": csrfToken() } })
      .catch(function () {});
  }, true);

  // --- playlist reorder by drag (SortableJS, touch included): one move per drop, through the page view
  function setUpSortables(root) {
    if (!window.Sortable) return;
    var lists = root.querySelectorAll ? root.querySelectorAll("ol.sortable[data-sortable-url]") : [];
    if (root.matches && root.matches("ol.sortable[data-sortable-url]")) lists = [root].concat(Array.prototype.slice.call(lists));
    Array.prototype.forEach.call(lists, function (list) {
      if (list.jonquilsSortable) return;
      var positions = [];
      list.jonquilsSortable = Sortable.create(list, {
        handle: ".drag-handle", draggable: ".track-row", animation: 150, forceFallback: true, fallbackTolerance: 3,
        onStart: function () {
          positions = Array.prototype.map.call(list.querySelectorAll(".track-row"), function (row) { return row.getAttribute("data-position"); });
        },
        onEnd: function (evt) {
          if (evt.oldDraggableIndex === evt.newDraggableIndex) return;
          htmx.ajax("POST", list.getAttribute("data-sortable-url"), {
            target: "#playlist-entries", swap: "outerHTML",
            values: { from_position: positions[evt.oldDraggableIndex], to_position: positions[evt.newDraggableIndex] },
          });
        },
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    if (window.htmx) htmx.onLoad(setUpSortables); else setUpSortables(document);
  });
})();
