// Charts of the stats pages, drawn from their data tables (the table stays: it is the accessible and
// no-JavaScript form of the same numbers). uPlot is vendored in static/vendor/uplot/ and loaded only
// when a page holds a chart (figure[data-chart]); set up idempotently from htmx.onLoad.
(function () {
  "use strict";
  if (window.jonquilsCharts) return;
  window.jonquilsCharts = true;

  var loading = null;
  function loadUplot(figure) {
    if (window.uPlot) return Promise.resolve();
    if (loading) return loading;
    loading = new Promise(function (resolve, reject) {
      var css = document.createElement("link");
      css.rel = "stylesheet";
      css.href = figure.getAttribute("data-uplot-css");
      document.head.appendChild(css);
      var script = document.createElement("script");
      script.src = figure.getAttribute("data-uplot-js");
      script.onload = function () { resolve(); };
      script.onerror = function () { loading = null; reject(new Error("uPlot did not load")); };
      document.head.appendChild(script);
    });
    return loading;
  }

  function cssVar(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function readTable(figure) {
    var heads = Array.prototype.map.call(figure.querySelectorAll("thead th[data-series]"), function (th) { return th.textContent.trim(); });
    var xs = [], columns = heads.map(function () { return []; });
    figure.querySelectorAll("tbody tr").forEach(function (tr) {
      var x = tr.querySelector("[data-x]").getAttribute("data-x");
      xs.push(/^\d{4}-\d{2}-\d{2}$/.test(x) ? Date.parse(x + "T00:00:00Z") / 1000 : Number(x));
      tr.querySelectorAll("td[data-value]").forEach(function (td, index) { columns[index].push(Number(td.getAttribute("data-value"))); });
    });
    return { labels: heads, data: [xs].concat(columns) };
  }

  var PALETTE = ["--accent", "--focus", "--ok", "--danger"];

  function draw(figure) {
    var canvas = figure.querySelector(".chart-canvas");
    if (!canvas || figure.jonquilsChart || !window.uPlot) return;
    var table = readTable(figure);
    if (!table.data[0].length) return;
    var time = figure.getAttribute("data-chart") !== "bars";
    var text = cssVar("--text-2", "#555"), grid = cssVar("--line", "rgba(0,0,0,.1)");
    var axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    var series = [{}].concat(table.labels.map(function (label, index) {
      var color = cssVar(PALETTE[index % PALETTE.length], "#9a5b00");
      return { label: label, stroke: color, width: 2, fill: index === 0 ? cssVar("--accent-soft", "rgba(0,0,0,.05)") : undefined,
               points: { show: time && table.data[0].length < 40 },
               paths: !time && window.uPlot.paths && window.uPlot.paths.bars ? window.uPlot.paths.bars({ size: [0.7, 40] }) : undefined };
    }));
    // whole days on a day/week series: ticks at day multiples, labelled MM-DD (UTC), never hours
    var DAY = 86400;
    var xAxis = Object.assign({}, axis, time ? {
      incrs: [DAY, 2 * DAY, 7 * DAY, 14 * DAY, 28 * DAY, 91 * DAY],
      values: function (u, splits) { return splits.map(function (s) { return new Date(s * 1000).toISOString().slice(5, 10); }); },
    } : { incrs: [1, 2, 3, 4, 6, 12] });
    var opts = {
      width: Math.max(240, canvas.clientWidth || figure.clientWidth),
      height: figure.clientWidth < 500 ? 180 : 240,
      scales: { x: time ? { time: true, range: function (u, min, max) { return [min - DAY / 2, max + DAY / 2]; } } : { time: false, range: function (u, min, max) { return [min - 0.5, max + 0.5]; } }, y: { range: function (u, min, max) { return [0, Math.max(1, max * 1.1)]; } } },
      axes: [xAxis, Object.assign({}, axis, { size: 44 })],
      legend: { show: table.labels.length > 1 },
      cursor: { drag: { x: false, y: false } },
      series: series,
    };
    figure.jonquilsChart = new window.uPlot(opts, table.data, canvas);
    figure.classList.add("has-chart");
    if (watcher) watcher.observe(figure);
  }

  function setUp(root) {
    var figures = root.querySelectorAll ? root.querySelectorAll("figure[data-chart]") : [];
    if (!figures.length) return;
    loadUplot(figures[0]).then(function () { figures.forEach(draw); }).catch(function () { /* the tables remain */ });
  }

  // follow the figure's width (phone rotation, sidebar changes) before the next paint
  var watcher = window.ResizeObserver ? new ResizeObserver(function (entries) {
    entries.forEach(function (entry) {
      var figure = entry.target, chart = figure.jonquilsChart, canvas = figure.querySelector(".chart-canvas");
      if (!chart || !canvas) return;
      var width = Math.max(240, canvas.clientWidth), height = figure.clientWidth < 500 ? 180 : 240;
      if (chart.width !== width || chart.height !== height) chart.setSize({ width: width, height: height });
    });
  }) : null;

  document.addEventListener("DOMContentLoaded", function () {
    if (window.htmx) htmx.onLoad(setUp); else setUp(document);
  });
})();
