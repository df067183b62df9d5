// The persistent player (loaded once, from <head>, with `defer`): the queue, the <audio> element under
// #player (hx-preserve), listen reporting. Contract with the pages: any element with
// data-player-action="play|play-next|enqueue" and data-track-id, or data-player-action="play-all" with
// data-track-ids="1,2,3" on itself or an ancestor (optionally data-shuffle="true"), or "enqueue-all" with data-track-ids, is handled by one delegated click listener on document.
//
// The queue lives on the server (/api/v1/me/play-queue): it is saved whole when it changes (debounced), the
// pointer (current entry + position) every few seconds of playback, and by sendBeacon when the page goes away.
// Listens go to POST /api/v1/analytics/listen (the API's own listen service), once per play.
(function () {
  "use strict";
  if (window.JonquilsPlayer) return; // the script must run once per visit, even if included twice

  var ROW_HEIGHT = 56, OVERSCAN = 8, META_CHUNK = 200, SAVE_DEBOUNCE_MS = 400, POINTER_EVERY_MS = 5000;
  var CLIENT = "web";

  var root, audio, preloader, t = {}, el = {};
  var state = {
    queue: [], // track ids in play order
    index: 0,
    shuffle: false,
    unshuffled: null, // the order before shuffling, to restore
    repeat: "off", // off | all | one
    authenticated: false,
    loadedFromServer: false,
  };
  var meta = new Map(); // track id -> {title, artist_name, ...} | {missing: true}
  var metaPending = new Set();
  var streamUrls = new Map(); // track id -> {url, until}
  var play = null; // the listen being measured: {trackId, durationMs, playedMs, lastPos, lastSeenAt, reported}
  var queueDirty = false, saveTimer = null, saving = null, lastPointerSave = 0, dragging = false, pointerTimer = null;
  var knownChangedAt = null; // changed_at of the server's queue as this tab last saw it
  var queueEdits = 0; // how many times this tab changed the queue: a server answer older than an edit is stale
  var pendingSeekS = null, loadSeq = 0;

  // ---- small helpers -------------------------------------------------------------------------------------
  function $(role) { return root.querySelector('[data-role="' + role + '"]'); }
  function api() { return root.dataset.api || "/api/v1"; }
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : (document.body.dataset.csrfToken || "");
  }
  function fmt(seconds) {
    if (!isFinite(seconds) || seconds < 0) seconds = 0;
    seconds = Math.floor(seconds);
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    var mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }
  function urlFor(kind, id) { return (root.dataset[kind + "Url"] || "").replace(/\/0(\/?)$/, "/" + id + "$1"); }
  function announce(text) { el.status.textContent = ""; window.setTimeout(function () { el.status.textContent = text; }, 30); }
  function request(method, path, body) {
    var options = { method: method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (method !== "GET") options.headers["X-CSRFToken"] = csrfToken();
    if (body !== undefined) { options.headers["Content-Type"] = "application/json"; options.body = JSON.stringify(body); }
    return fetch(api() + path, options).then(function (response) {
      if (!response.ok) { var error = new Error("HTTP " + response.status); error.status = response.status; throw error; }
      return response.status === 204 ? null : response.json();
    });
  }
  function deviceType() {
    var ua = navigator.userAgent || "";
    if (/iPad|Tablet|PlayBook|Silk|(Android(?!.*Mobile))/i.test(ua)) return "tablet";
    if (/Mobi|iPhone|iPod|Android|Windows Phone|BlackBerry/i.test(ua)) return "mobile";
    if (/SmartTV|SMART-TV|CrKey|AppleTV|Tizen|Web0S/i.test(ua)) return "speaker";
    return "desktop";
  }
  function readAuth() {
    var marker = document.querySelector("#main[data-user-authenticated], [data-player-session]");
    var value = (marker && (marker.dataset.userAuthenticated || marker.dataset.playerSession)) || document.body.dataset.userAuthenticated;
    return value === "true";
  }
  function currentId() { return state.queue[state.index]; }

  // ---- metadata (lazy, in chunks) --------------------------------------------------------------------------
  function needMeta(ids) {
    var wanted = [];
    ids.forEach(function (id) { if (id && !meta.has(id) && !metaPending.has(id)) { metaPending.add(id); wanted.push(id); } });
    var chunks = [];
    for (var i = 0; i < wanted.length; i += META_CHUNK) chunks.push(wanted.slice(i, i + META_CHUNK));
    return Promise.all(chunks.map(function (chunk) {
      return request("GET", "/me/play-queue/tracks?ids=" + chunk.join(",")).then(function (rows) {
        rows.forEach(function (row) { meta.set(row.id, row); });
        chunk.forEach(function (id) { metaPending.delete(id); if (!meta.has(id)) meta.set(id, { missing: true }); });
      }, function () { chunk.forEach(function (id) { metaPending.delete(id); }); });
    })).then(function () { if (wanted.length) { renderNow(); renderQueue(); } });
  }

  // ---- stream URLs (signed, short-lived) and preloading ----------------------------------------------------
  function streamUrl(id, fresh) {
    var cached = streamUrls.get(id);
    if (cached && !fresh && cached.until > Date.now()) return Promise.resolve(cached.url);
    return request("GET", "/tracks/" + id + "/stream-url").then(function (body) {
      streamUrls.set(id, { url: body.url, until: Date.now() + Math.max(30, body.expires_in_s - 120) * 1000 });
      return body.url;
    });
  }
  function preloadNext() {
    var next = nextIndex(false);
    if (next === null) return;
    var id = state.queue[next];
    needMeta([id]);
    streamUrl(id).then(function (url) {
      if (!preloader) { preloader = new Audio(); preloader.preload = "auto"; preloader.muted = true; }
      if (preloader.dataset.trackId !== String(id)) { preloader.dataset.trackId = String(id); preloader.src = url; preloader.load(); }
    }, function () {});
  }

  // ---- listens --------------------------------------------------------------------------------------------
  function startPlay(id) {
    var info = meta.get(id);
    play = { trackId: id, durationMs: info && info.duration_ms, playedMs: 0, lastPos: null, lastSeenAt: null, reported: false };
  }
  // Where the play head was last seen, and when: a forward step counts as listened only as far as
  // the wall clock allows, so a busy page whose timeupdates come seconds apart still counts every
  // second played, and a jump that no playback could make (a seek) counts nothing.
  function markPosition(pos) {
    if (!play) return;
    play.lastPos = pos;
    play.lastSeenAt = pos === null ? null : performance.now();
  }
  function measure() {
    if (!play || play.trackId !== currentId()) return;
    var pos = audio.currentTime;
    if (play.lastPos !== null && !audio.seeking) {
      var delta = pos - play.lastPos;
      var possible = ((performance.now() - play.lastSeenAt) / 1000) * (audio.playbackRate || 1) + 0.5;
      if (delta > 0 && delta <= possible) play.playedMs += delta * 1000;
    }
    markPosition(pos);
  }
  function listenBody(current) {
    var duration = current.durationMs || (isFinite(audio.duration) ? audio.duration * 1000 : 0);
    var played = Math.round(current.playedMs);
    var completion = duration ? Math.min(100, (played / duration) * 100) : 0;
    return {
      track_id: current.trackId, play_duration_ms: played, completion_percentage: Math.round(completion * 100) / 100,
      platform: "web", device_type: deviceType(),
    };
  }
  // Report the current play once: on end, skip or page close. Never waits for the answer.
  function reportListen(viaBeacon) {
    var current = play;
    if (!current || current.reported || !state.authenticated) return;
    measure();
    current.reported = true;
    if (current.playedMs < 1000) return; // a play of less than a second is not a listen
    var body = listenBody(current);
    if (viaBeacon && navigator.sendBeacon) {
      var form = new URLSearchParams();
      Object.keys(body).forEach(function (key) { form.append(key, body[key]); });
      form.append("csrfmiddlewaretoken", csrfToken());
      navigator.sendBeacon(api() + "/analytics/listen", form);
      return;
    }
    fetch(api() + "/analytics/listen", {
      method: "POST", credentials: "same-origin", keepalive: true,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
      body: JSON.stringify(body),
    }).catch(function () {});
  }

  // ---- saving the queue ------------------------------------------------------------------------------------
  function positionMs() { return Math.max(0, Math.round((audio.currentTime || 0) * 1000)); }
  function pointerBody() { return { current_index: state.index, position_ms: positionMs(), client: CLIENT }; }
  function queueBody() {
    return { track_ids: state.queue.slice(), current_index: state.queue.length ? state.index : 0, position_ms: positionMs(), client: CLIENT };
  }
  function queueChanged() {
    queueEdits += 1;
    queueDirty = true;
    window.clearTimeout(saveTimer);
    saveTimer = window.setTimeout(flushSave, SAVE_DEBOUNCE_MS);
  }
  function flushSave() {
    if (!state.authenticated) return Promise.resolve();
    if (saving) return saving.then(flushSave);
    var whole = queueDirty;
    queueDirty = false;
    saving = request(whole ? "PUT" : "PATCH", "/me/play-queue", whole ? queueBody() : pointerBody())
      .then(function (body) { knownChangedAt = body && body.changed_at; })
      .catch(function (error) {
        if (whole) { queueDirty = true; announce(t.saveFailed); window.clearTimeout(saveTimer); saveTimer = window.setTimeout(flushSave, 3000); }
        return error;
      })
      .then(function () { saving = null; lastPointerSave = Date.now(); });
    return saving;
  }
  function savePointerSoon() {
    window.clearTimeout(pointerTimer);
    if (Date.now() - lastPointerSave > 1000) flushSave(); else pointerTimer = window.setTimeout(flushSave, 1000);
  }
  // The beacon may reach the server after the next page has read the queue (a reload races it), so this
  // device also keeps its last position locally, valid only while the server's queue is the one it saved.
  function saveSnapshot() {
    if (!state.authenticated || !state.queue.length) return;
    try {
      localStorage.setItem("player.snapshot", JSON.stringify({ changedAt: knownChangedAt, index: state.index, trackId: currentId(), positionMs: positionMs() }));
    } catch (e) { /* storage full or disabled */ }
  }
  function snapshotPosition(body) {
    try {
      var snap = JSON.parse(localStorage.getItem("player.snapshot") || "null");
      if (snap && snap.changedAt === body.changed_at && snap.index === body.current_index && body.track_ids[snap.index] === snap.trackId) return snap.positionMs;
    } catch (e) { /* ignore a bad snapshot */ }
    return body.position_ms;
  }
  function saveByBeacon() {
    saveSnapshot();
    if (!state.authenticated || !navigator.sendBeacon) return;
    var body = queueDirty ? queueBody() : pointerBody();
    var form = new URLSearchParams();
    Object.keys(body).forEach(function (key) { form.append(key, Array.isArray(body[key]) ? body[key].join(",") : body[key]); });
    form.append("csrfmiddlewaretoken", csrfToken());
    navigator.sendBeacon(api() + "/me/play-queue", form);
    queueDirty = false;
  }

  // ---- loading and playing ---------------------------------------------------------------------------------
  function load(index, options) {
    options = options || {};
    if (index < 0 || index >= state.queue.length) return Promise.resolve();
    if (play && play.trackId === currentId() && !options.keepPlay) reportListen(false);
    state.index = index;
    var id = currentId(), seq = ++loadSeq;
    needMeta([id]);
    startPlay(id);
    renderNow();
    renderQueue();
    markRows();
    pendingSeekS = options.startAtMs ? options.startAtMs / 1000 : null;
    return streamUrl(id).then(function (url) {
      if (seq !== loadSeq) return;
      audio.src = url;
      audio.load();
      if (options.autoplay !== false) return audio.play().catch(function () {});
    }, function () {
      if (seq !== loadSeq) return;
      announce(t.unavailable);
    }).then(function () {
      if (seq === loadSeq) { preloadNext(); if (!options.noSave) flushSave(); }
    });
  }
  function nextIndex(userAction) {
    if (!state.queue.length) return null;
    if (state.repeat === "one" && !userAction) return state.index;
    if (state.index + 1 < state.queue.length) return state.index + 1;
    return state.repeat === "all" || (state.repeat === "one" && userAction) ? 0 : null;
  }
  function next(userAction) {
    var target = nextIndex(userAction);
    if (target === null) { reportListen(false); audio.pause(); return; }
    if (target === state.index && !userAction) { reportListen(false); startPlay(currentId()); audio.currentTime = 0; audio.play().catch(function () {}); return; }
    load(target);
  }
  function previous() {
    if (audio.currentTime > 3 || state.index === 0) {
      if (state.index === 0 && state.repeat === "all" && audio.currentTime <= 3 && state.queue.length > 1) { load(state.queue.length - 1); return; }
      audio.currentTime = 0;
      return;
    }
    load(state.index - 1);
  }
  function togglePlay() {
    if (!state.queue.length) return;
    if (!audio.src) { load(state.index); return; }
    if (audio.paused) audio.play().catch(function () {}); else audio.pause();
  }
  function seekBy(seconds) {
    if (!audio.src || !isFinite(audio.duration)) return;
    audio.currentTime = Math.max(0, Math.min(audio.duration - 0.1, audio.currentTime + seconds));
  }

  // ---- queue edits -----------------------------------------------------------------------------------------
  function insertAt(position, ids) {
    state.queue.splice.apply(state.queue, [position, 0].concat(ids));
    if (state.unshuffled) state.unshuffled = state.unshuffled.concat(ids);
    needMeta(ids.slice(0, 50));
    queueChanged();
    renderQueue();
  }
  function shuffled(ids) {
    var copy = ids.slice();
    for (var i = copy.length - 1; i > 0; i--) { var j = Math.floor(Math.random() * (i + 1)); var x = copy[i]; copy[i] = copy[j]; copy[j] = x; }
    return copy;
  }
  function playAll(ids, shuffle) {
    if (!ids.length) return;
    reportListen(false);
    state.queue = shuffle ? shuffled(ids) : ids.slice();
    state.unshuffled = null;
    if (state.shuffle) { state.unshuffled = ids.slice(); if (!shuffle) state.queue = [state.queue[0]].concat(shuffled(state.queue.slice(1))); }
    state.index = 0;
    needMeta(state.queue.slice(0, 50));
    queueChanged();
    load(0, { keepPlay: true });
  }
  function removeAt(index) {
    var wasCurrent = index === state.index;
    state.queue.splice(index, 1);
    if (index < state.index) state.index -= 1;
    queueChanged();
    if (wasCurrent) {
      if (state.index >= state.queue.length) state.index = Math.max(0, state.queue.length - 1);
      if (state.queue.length) load(state.index, { autoplay: !audio.paused });
      else stopAll();
    }
    renderQueue();
    renderNow();
  }
  function move(from, to) {
    if (from === to || to < 0 || to >= state.queue.length) return;
    var id = state.queue.splice(from, 1)[0];
    state.queue.splice(to, 0, id);
    if (state.index === from) state.index = to;
    else if (from < state.index && to >= state.index) state.index -= 1;
    else if (from > state.index && to <= state.index) state.index += 1;
    queueChanged();
    renderQueue();
    preloadNext();
  }
  function stopAll() {
    reportListen(false);
    audio.pause();
    audio.removeAttribute("src");
    audio.load();
    play = null;
    renderNow();
  }
  function clearQueue() {
    stopAll();
    state.queue = [];
    state.index = 0;
    state.unshuffled = null;
    queueChanged();
    renderQueue();
    markRows();
  }
  function setShuffle(on) {
    state.shuffle = on;
    localStorage.setItem("player.shuffle", on ? "1" : "0");
    if (on) {
      state.unshuffled = state.queue.slice();
      var current = state.queue.slice(0, state.index + 1);
      state.queue = current.concat(shuffled(state.queue.slice(state.index + 1)));
    } else if (state.unshuffled) {
      var currentPos = state.unshuffled.indexOf(currentId());
      state.queue = state.unshuffled;
      state.index = Math.max(0, currentPos);
      state.unshuffled = null;
    }
    queueChanged();
    renderControls();
    renderQueue();
    preloadNext();
  }
  function setRepeat(mode) {
    state.repeat = mode;
    localStorage.setItem("player.repeat", mode);
    renderControls();
    preloadNext();
  }

  // ---- rendering -------------------------------------------------------------------------------------------
  function renderControls() {
    var playing = !audio.paused && !!audio.src;
    root.classList.toggle("is-playing", playing);
    el.play.setAttribute("aria-label", playing ? t.pause : t.play);
    el.shuffle.setAttribute("aria-pressed", String(state.shuffle));
    el.shuffle.setAttribute("aria-label", state.shuffle ? t.shuffleOn : t.shuffleOff);
    el.repeat.dataset.mode = state.repeat;
    el.repeat.setAttribute("aria-pressed", String(state.repeat !== "off"));
    el.repeat.setAttribute("aria-label", t["repeat" + state.repeat.charAt(0).toUpperCase() + state.repeat.slice(1)]);
    var muted = audio.muted || audio.volume === 0;
    root.classList.toggle("is-muted", muted);
    el.mute.setAttribute("aria-pressed", String(muted));
    el.mute.setAttribute("aria-label", muted ? t.unmute : t.mute);
    el.volume.value = String(Math.round(audio.volume * 100));
    el.count.textContent = String(state.queue.length);
    el.prev.disabled = el.next.disabled = el.play.disabled = !state.queue.length;
  }
  function renderTime() {
    var duration = isFinite(audio.duration) ? audio.duration : 0;
    var now = audio.currentTime || 0;
    if (!el.seek.matches(":active")) { el.seek.max = String(Math.floor(duration)); el.seek.value = String(Math.floor(now)); }
    el.seek.setAttribute("aria-valuetext", fmt(now) + " / " + fmt(duration));
    el.elapsed.textContent = fmt(now);
    el.remaining.textContent = "-" + fmt(duration - now);
    if (navigator.mediaSession && navigator.mediaSession.setPositionState && duration) {
      try { navigator.mediaSession.setPositionState({ duration: duration, playbackRate: audio.playbackRate, position: Math.min(now, duration) }); } catch (e) { /* ignore */ }
    }
  }
  function coverUrl(id, size) { return api() + "/tracks/" + id + "/cover?size=" + size; }
  // A transparent image of our own (CSP: images from 'self'): an img whose load failed, or that has no src,
  // shows the browser's broken-image glyph over the placeholder gradient
  function showPlaceholderCover() {
    var blank = el.cover.dataset.blankSrc;
    el.cover.classList.add("is-placeholder");
    if (blank && el.cover.getAttribute("src") !== blank) el.cover.src = blank;
  }
  // The placeholder colour of the track rows (catalog/templatetags/music.py `hue`: the album's id, else the track's)
  function coverHue(id, info) {
    var hues = Number(root.dataset.coverHues) || 1, key = info && !info.missing && info.album_id != null ? info.album_id : id;
    return "hue-" + (key % hues);
  }
  function renderNow() {
    var id = currentId(), info = id && meta.get(id);
    root.classList.toggle("is-empty", !id);
    if (!id) {
      el.title.textContent = t.nothing; el.title.removeAttribute("href"); el.artist.textContent = ""; el.artist.removeAttribute("href");
      showPlaceholderCover(); el.cover.dataset.trackId = "";
      renderControls(); renderTime();
      return;
    }
    el.root.dataset.trackId = String(id);
    if (info && !info.missing) {
      el.title.textContent = info.title; el.title.href = urlFor("track", id);
      el.artist.textContent = info.display_artist || info.artist_name; el.artist.href = urlFor("artist", info.artist_id);
      // htmx boosts a link with the href it had when processed: process again so it navigates without a reload
      if (window.htmx) window.htmx.process(el.title.parentElement);
    } else {
      el.title.textContent = info && info.missing ? t.unavailable : t.loading;
    }
    var hue = coverHue(id, info);
    if (el.cover.dataset.hue !== hue) {
      if (el.cover.dataset.hue) el.cover.classList.remove(el.cover.dataset.hue);
      el.cover.classList.add(hue); el.cover.dataset.hue = hue;
    }
    if (el.cover.dataset.trackId !== String(id)) {
      el.cover.dataset.trackId = String(id);
      el.cover.classList.remove("is-placeholder");
      el.cover.src = coverUrl(id, 64);
    }
    if ("mediaSession" in navigator && info && !info.missing) {
      navigator.mediaSession.metadata = new MediaMetadata({
        title: info.title, artist: info.display_artist || info.artist_name, album: info.album_title || "",
        artwork: [64, 300, 600].map(function (size) { return { src: coverUrl(id, size), sizes: size + "x" + size, type: "image/jpeg" }; }),
      });
    }
    renderControls();
  }
  function markRows() {
    var id = String(currentId() || "");
    document.querySelectorAll(".track-row.is-playing").forEach(function (row) {
      if (row.dataset.trackId !== id) { row.classList.remove("is-playing"); row.removeAttribute("aria-current"); }
    });
    if (!id) return;
    document.querySelectorAll('.track-row[data-track-id="' + id + '"]').forEach(function (row) {
      row.classList.add("is-playing"); row.setAttribute("aria-current", "true");
    });
  }

  // The queue panel renders only the rows in view (a 5,000-entry queue stays light).
  function renderQueue() {
    renderControls();
    el.summary.textContent = "(" + state.queue.length + ")";
    if (el.queue.hidden || dragging) return;
    var total = state.queue.length;
    var viewport = el.scroll.clientHeight || 400;
    var first = Math.max(0, Math.floor(el.scroll.scrollTop / ROW_HEIGHT) - OVERSCAN);
    var last = Math.min(total, Math.ceil((el.scroll.scrollTop + viewport) / ROW_HEIGHT) + OVERSCAN);
    el.spacer.style.height = total * ROW_HEIGHT + "px";
    el.list.style.transform = "translateY(" + first * ROW_HEIGHT + "px)";
    el.list.dataset.first = String(first);
    var focused = document.activeElement && el.list.contains(document.activeElement) ? document.activeElement.closest("li") : null;
    var focusIndex = focused ? Number(focused.dataset.index) : null;
    var focusClass = focused && document.activeElement.className;
    var fragment = document.createDocumentFragment(), missingMeta = [];
    for (var i = first; i < last; i++) {
      var id = state.queue[i], info = meta.get(id);
      if (!info) missingMeta.push(id);
      fragment.appendChild(queueRow(i, id, info));
    }
    el.list.replaceChildren(fragment);
    if (missingMeta.length) needMeta(missingMeta);
    if (focusIndex !== null) {
      var again = el.list.querySelector('li[data-index="' + focusIndex + '"] .' + String(focusClass).split(" ")[0]);
      if (again) again.focus();
    }
  }
  function queueRow(index, id, info) {
    var li = document.createElement("li");
    li.className = "player__qrow" + (index === state.index ? " is-current" : "");
    li.dataset.index = String(index);
    li.dataset.trackId = String(id);
    li.setAttribute("aria-setsize", String(state.queue.length)); // the list is virtual: say where this row is
    li.setAttribute("aria-posinset", String(index + 1));
    if (index === state.index) li.setAttribute("aria-current", "true");
    var handle = document.createElement("span");
    handle.className = "player__qhandle"; handle.title = t.drag; handle.textContent = "⠿"; handle.setAttribute("aria-hidden", "true");
    var jump = document.createElement("button");
    jump.type = "button"; jump.className = "player__qjump"; jump.dataset.queueAction = "jump";
    var title = info && !info.missing ? info.title : (info ? t.unavailable : t.loading);
    var artist = info && !info.missing ? (info.display_artist || info.artist_name) : "";
    jump.setAttribute("aria-label", t.jump + ": " + title + (artist ? " — " + artist : ""));
    var num = document.createElement("span"); num.className = "player__qnum"; num.textContent = String(index + 1);
    var text = document.createElement("span"); text.className = "player__qtext";
    var strong = document.createElement("span"); strong.className = "player__qtitle"; strong.textContent = title;
    var small = document.createElement("span"); small.className = "player__qartist"; small.textContent = artist;
    text.append(strong, small);
    var time = document.createElement("span"); time.className = "player__qtime";
    time.textContent = info && info.duration_ms ? fmt(info.duration_ms / 1000) : "";
    jump.append(num, text, time);
    var remove = document.createElement("button");
    remove.type = "button"; remove.className = "player__btn player__qremove"; remove.dataset.queueAction = "remove";
    remove.setAttribute("aria-label", t.remove + ": " + title); remove.textContent = "✕";
    li.append(handle, jump, remove);
    return li;
  }
  function openQueue(open) {
    el.queue.hidden = !open;
    el.queueToggle.setAttribute("aria-expanded", String(open));
    root.classList.toggle("queue-open", open);
    if (open) {
      el.scroll.scrollTop = Math.max(0, (state.index - 2) * ROW_HEIGHT);
      renderQueue();
      setupSortable();
    }
  }
  var sortable = null;
  function setupSortable() {
    if (sortable || !window.Sortable) return;
    sortable = window.Sortable.create(el.list, {
      handle: ".player__qhandle", animation: 120, forceFallback: true, fallbackOnBody: true,
      onStart: function () { dragging = true; },
      onEnd: function (event) {
        dragging = false;
        var first = Number(el.list.dataset.first || 0);
        if (event.oldIndex !== event.newIndex) move(first + event.oldIndex, first + event.newIndex);
        else renderQueue();
      },
    });
  }

  // ---- wiring ----------------------------------------------------------------------------------------------
  function onAction(event) {
    var button = event.target.closest("[data-player-action]");
    if (!button) return;
    event.preventDefault();
    if (!state.authenticated) { window.location.assign(root.dataset.loginUrl + "?next=" + encodeURIComponent(location.pathname)); return; }
    var action = button.dataset.playerAction, id = Number(button.dataset.trackId);
    // The ids sit on the button or on the element holding a page's Play all and Shuffle (written once: 5,000 ids are 34 KB).
    var holder = button.closest("[data-track-ids]");
    var ids = ((holder && holder.dataset.trackIds) || "").split(",").map(Number).filter(function (x) { return x > 0; });
    if (action === "play-all") {
      playAll(ids, button.dataset.shuffle === "true");
    } else if (action === "enqueue-all") {
      insertAt(state.queue.length, ids);
      announce(t.added);
      preloadNext();
    } else if (!id) {
      return;
    } else if (action === "play") {
      if (currentId() === id && audio.src) { togglePlay(); return; }
      insertAt(state.queue.length ? state.index + 1 : 0, [id]);
      load(state.queue.length === 1 ? 0 : state.index + 1);
    } else if (action === "play-next") {
      insertAt(state.queue.length ? state.index + 1 : 0, [id]);
      announce(t.addedNext);
      preloadNext();
    } else if (action === "enqueue") {
      insertAt(state.queue.length, [id]);
      announce(t.added);
      preloadNext();
    }
  }
  function onQueueClick(event) {
    var button = event.target.closest("[data-queue-action]");
    if (!button) return;
    var index = Number(button.closest("li").dataset.index);
    if (button.dataset.queueAction === "jump") load(index);
    else if (button.dataset.queueAction === "remove") removeAt(index);
  }
  function onQueueKey(event) {
    if (!event.altKey || (event.key !== "ArrowUp" && event.key !== "ArrowDown")) return;
    var li = event.target.closest("li[data-index]");
    if (!li) return;
    event.preventDefault();
    var from = Number(li.dataset.index), to = from + (event.key === "ArrowUp" ? -1 : 1);
    if (to < 0 || to >= state.queue.length) return;
    move(from, to);
    var target = el.list.querySelector('li[data-index="' + to + '"] .player__qjump');
    if (target) target.focus();
  }
  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }
  function onKey(event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (event.key === "/" && !typing(target)) {
      var search = document.getElementById("search-input");
      if (search) { event.preventDefault(); search.focus(); search.select && search.select(); }
      return;
    }
    if (event.key === "?" && !typing(target)) { event.preventDefault(); showShortcuts(); return; }
    if (typing(target) && !(target.type === "range" && target.closest("#player") && event.key === " ")) return;
    if (event.key === " " || event.code === "Space") {
      if (target.closest && target.closest("button, a, summary, [role=button]")) return; // Space activates the focused control
      event.preventDefault(); togglePlay();
    } else if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
      if (target.closest && target.closest("[role=listbox], [role=menu], [role=tablist]")) return;
      event.preventDefault();
      var forward = event.key === "ArrowRight";
      if (event.shiftKey) { if (forward) next(true); else previous(); } else seekBy(forward ? 10 : -10);
    }
  }
  function showShortcuts() {
    var dialog = $("shortcuts");
    if (dialog.open) return;
    if (dialog.showModal) dialog.showModal(); else dialog.setAttribute("open", "");
  }
  function setupMediaSession() {
    if (!("mediaSession" in navigator)) return;
    var handlers = {
      play: function () { audio.src ? audio.play().catch(function () {}) : togglePlay(); },
      pause: function () { audio.pause(); },
      previoustrack: previous,
      nexttrack: function () { next(true); },
      seekto: function (details) { if (details.seekTime !== undefined) audio.currentTime = details.seekTime; },
      seekbackward: function (details) { seekBy(-(details.seekOffset || 10)); },
      seekforward: function (details) { seekBy(details.seekOffset || 10); },
    };
    Object.keys(handlers).forEach(function (name) {
      try { navigator.mediaSession.setActionHandler(name, handlers[name]); } catch (e) { /* unsupported action */ }
    });
  }

  function loadFromServer() {
    var editsBefore = queueEdits;
    return request("GET", "/me/play-queue").then(function (body) {
      state.loadedFromServer = true;
      knownChangedAt = body.changed_at;
      // The listener pressed play (or edited the queue) while the answer was on its way: what they chose
      // wins, and the debounced save sends it to the server; applying the answer would empty the player.
      if (queueEdits !== editsBefore) return;
      state.queue = body.track_ids;
      state.index = Math.min(body.current_index, Math.max(0, body.track_ids.length - 1));
      if (!state.queue.length) { renderNow(); renderQueue(); return; }
      var resume = sessionStorage.getItem("player.playing") === "1";
      return needMeta([currentId()]).then(function () {
        return load(state.index, { autoplay: resume, startAtMs: snapshotPosition(body), noSave: true });
      });
    }, function () { state.loadedFromServer = false; });
  }
  function syncAuth() {
    var now = readAuth();
    if (now === state.authenticated) return;
    state.authenticated = now;
    root.classList.toggle("is-anonymous", !now);
    if (now) loadFromServer();
    else { stopAll(); state.queue = []; state.index = 0; meta.clear(); streamUrls.clear(); renderQueue(); }
  }

  function init() {
    root = document.getElementById("player");
    if (!root) return;
    audio = document.getElementById("player-audio");
    Object.keys(root.dataset).forEach(function (key) {
      if (key.charAt(0) === "t" && key.length > 1 && key.charAt(1) === key.charAt(1).toUpperCase()) {
        t[key.charAt(1).toLowerCase() + key.slice(2)] = root.dataset[key];
      }
    });
    el = {
      root: root, cover: $("cover"), title: $("title"), artist: $("artist"), play: $("play"), prev: $("prev"), next: $("next"),
      shuffle: $("shuffle"), repeat: $("repeat"), seek: $("seek"), elapsed: $("elapsed"), remaining: $("remaining"),
      mute: $("mute"), volume: $("volume"), queueToggle: $("queue-toggle"), count: $("count"), queue: $("queue"),
      scroll: $("queue-scroll"), spacer: $("queue-spacer"), list: $("queue-list"), summary: $("queue-summary"), status: $("status"),
    };
    state.shuffle = localStorage.getItem("player.shuffle") === "1";
    state.repeat = localStorage.getItem("player.repeat") || "off";
    var volume = Number(localStorage.getItem("player.volume"));
    if (localStorage.getItem("player.volume") !== null && volume >= 0 && volume <= 1) audio.volume = volume;
    audio.muted = localStorage.getItem("player.muted") === "1";

    // The track id stays recorded, so a track without a cover is not asked for again on every render
    el.cover.addEventListener("error", showPlaceholderCover);
    el.play.addEventListener("click", togglePlay);
    el.prev.addEventListener("click", previous);
    el.next.addEventListener("click", function () { next(true); });
    el.shuffle.addEventListener("click", function () { setShuffle(!state.shuffle); });
    el.repeat.addEventListener("click", function () { setRepeat({ off: "all", all: "one", one: "off" }[state.repeat] || "off"); });
    el.seek.addEventListener("input", function () { el.elapsed.textContent = fmt(Number(el.seek.value)); });
    el.seek.addEventListener("change", function () { if (audio.src) audio.currentTime = Number(el.seek.value); });
    el.volume.addEventListener("input", function () {
      audio.volume = Number(el.volume.value) / 100;
      audio.muted = audio.volume === 0;
      localStorage.setItem("player.volume", String(audio.volume));
      localStorage.setItem("player.muted", audio.muted ? "1" : "0");
    });
    el.mute.addEventListener("click", function () { audio.muted = !audio.muted; if (!audio.muted && audio.volume === 0) audio.volume = 0.5; localStorage.setItem("player.muted", audio.muted ? "1" : "0"); renderControls(); });
    el.queueToggle.addEventListener("click", function () { openQueue(el.queue.hidden); });
    $("queue-close").addEventListener("click", function () { openQueue(false); el.queueToggle.focus(); });
    $("clear").addEventListener("click", clearQueue);
    $("help").addEventListener("click", showShortcuts);
    $("shortcuts-close").addEventListener("click", function () { $("shortcuts").close(); });
    el.list.addEventListener("click", onQueueClick);
    el.list.addEventListener("keydown", onQueueKey);
    var scrollFrame = null;
    el.scroll.addEventListener("scroll", function () {
      if (scrollFrame) return;
      scrollFrame = window.requestAnimationFrame(function () { scrollFrame = null; renderQueue(); });
    });

    audio.addEventListener("timeupdate", function () {
      measure(); renderTime();
      if (!audio.paused && Date.now() - lastPointerSave > POINTER_EVERY_MS) flushSave();
    });
    audio.addEventListener("loadedmetadata", function () {
      if (pendingSeekS !== null) audio.currentTime = isFinite(audio.duration) ? Math.min(pendingSeekS, Math.max(0, audio.duration - 1)) : pendingSeekS;
      pendingSeekS = null;
      if (play && !play.durationMs && isFinite(audio.duration)) play.durationMs = audio.duration * 1000;
      markPosition(audio.currentTime);
      renderTime();
    });
    audio.addEventListener("seeking", function () { measure(); markPosition(null); });
    audio.addEventListener("seeked", function () { markPosition(audio.currentTime); renderTime(); savePointerSoon(); });
    audio.addEventListener("play", function () { sessionStorage.setItem("player.playing", "1"); if (play && play.reported) startPlay(currentId()); renderControls(); });
    audio.addEventListener("pause", function () { if (!audio.ended) sessionStorage.setItem("player.playing", "0"); measure(); renderControls(); if (audio.src) savePointerSoon(); });
    audio.addEventListener("volumechange", renderControls);
    audio.addEventListener("ended", function () {
      measure(); // the last stretch before the end, bounded by the wall clock like every other
      markPosition(null);
      reportListen(false);
      next(false);
    });
    audio.addEventListener("error", function () {
      var id = currentId();
      if (!id || !audio.src || audio.dataset.retried === String(id)) { if (id) announce(t.unavailable); return; }
      audio.dataset.retried = String(id); // a stream link may have expired: get a fresh one once, keep the position
      var at = audio.currentTime, wasPlaying = !audio.paused || sessionStorage.getItem("player.playing") === "1";
      streamUrl(id, true).then(function (url) { pendingSeekS = at; audio.src = url; audio.load(); if (wasPlaying) audio.play().catch(function () {}); }, function () {});
    });

    document.addEventListener("click", onAction);
    document.addEventListener("keydown", onKey);
    window.addEventListener("pagehide", function () { reportListen(true); saveByBeacon(); });
    document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden") saveByBeacon(); });
    document.body.addEventListener("htmx:afterSettle", function () { syncAuth(); markRows(); });
    if (window.htmx) window.htmx.onLoad(function () { markRows(); });
    setupMediaSession();
    renderNow();
    renderControls();
    syncAuth();
    root.classList.add("is-ready");
  }

  window.JonquilsPlayer = {
    // For tests and other widgets: a read-only look at the state.
    get state() { return { queue: state.queue.slice(), index: state.index, shuffle: state.shuffle, repeat: state.repeat, loadedFromServer: state.loadedFromServer }; },
    flush: function () { return flushSave(); },
    // Stop talking to the server (tests call it before they tear the page down).
    quiesce: function () { state.authenticated = false; window.clearTimeout(saveTimer); audio.pause(); },
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
