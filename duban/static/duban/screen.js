// The cockpit's big screen: the charts a page at a time (turning every
// `cycle` seconds; ←/→ turn by hand, Space pauses), their figures reloaded in
// place every `refresh` seconds from data.json (the whole page reloads only
// when the set of charts changed). The options come from the server.
(function () {
  "use strict";
  var source = document.getElementById("screen-data");
  if (!source || !window.echarts) { return; }
  var config = JSON.parse(source.textContent);
  var pages = Array.prototype.slice.call(document.querySelectorAll("[data-screen-page]"));
  var pageOut = document.querySelector("[data-page]");
  var pausedOut = document.querySelector("[data-testid=paused]");
  var options = {};   // chart id -> the server's option
  var drawn = {};     // chart id -> {chart, look}: the charts drawn so far
  var current = 0;
  var paused = false;
  var timer = null;

  config.charts.forEach(function (c) { options[c.id] = c.option; });
  // The charts write in the page's own type.
  var fontFamily = window.getComputedStyle(document.body).fontFamily || "sans-serif";

  // --- the screen's look over the server's option ----------------------------------

  // Text in proportion to the window: about 21px at 1080 rows, 14px at 720.
  function fontSize() {
    return Math.max(12, Math.min(32, Math.round(window.innerHeight * 0.02)));
  }

  function each(option, key, fn) {
    var value = option[key];
    if (!value) { return; }
    (Array.isArray(value) ? value : [value]).forEach(function (item) {
      if (item && typeof item === "object") { fn(item); }
    });
  }

  function withSize(style, size) {
    var out = {};
    var key;
    for (key in style || {}) { out[key] = style[key]; }
    out.fontSize = size;
    // Named on each text too: ECharts measures an axis's labels (to keep them
    // inside the chart) with the label's own font, not the option-wide one.
    if (!out.fontFamily) { out.fontFamily = fontFamily; }
    return out;
  }

  // Colours too dark to see on the dark panel (a marker drawn for paper) are lifted.
  function visible(color) {
    var hex = typeof color === "string" && /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(color) ? color : null;
    if (!hex) { return color; }
    if (hex.length === 4) { hex = "#" + hex[1] + hex[1] + hex[2] + hex[2] + hex[3] + hex[3]; }
    var rgb = [1, 3, 5].map(function (i) { return parseInt(hex.slice(i, i + 2), 16) / 255; });
    var light = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
    return light < 0.25 ? "#d7deea" : color;
  }

  function lift(style) {
    if (style && style.color) { style.color = visible(style.color); }
  }

  // A copy of the option for the screen: text at `size` pixels, and what the
  // server measured for 12px text (margins, markers) grown to match; a
  // transparent background (the panel's own shows) and bars no thicker than
  // reads well, whatever the chart type.
  function styled(option, size, height) {
    var o = JSON.parse(JSON.stringify(option));
    var k = size / 12;
    // A long list down a category axis (a ranking) gets smaller text rather
    // than lose every other label: each row about 1.3 lines of it (on a small
    // screen, not below 10px: then ECharts names every other row).
    var rows = 0;
    each(o, "yAxis", function (axis) {
      if (axis.type === "category" && Array.isArray(axis.data)) {
        rows = Math.max(rows, axis.data.length);
      }
    });
    var rowSize = rows && height ? Math.floor((height * 0.75) / (rows * 1.3)) : size;
    var dense = Math.max(10, Math.min(size, rowSize));
    o.backgroundColor = "transparent";
    o.textStyle = withSize(o.textStyle, size);
    if (!o.textStyle.fontFamily) { o.textStyle.fontFamily = fontFamily; }
    each(o, "grid", function (grid) {
      ["top", "right", "bottom", "left"].forEach(function (side) {
        if (typeof grid[side] === "number") { grid[side] = Math.round(grid[side] * k); }
      });
    });
    ["xAxis", "yAxis", "radiusAxis", "angleAxis", "singleAxis"].forEach(function (key) {
      each(o, key, function (axis) {
        var rowsDown = key === "yAxis" && axis.type === "category";
        axis.axisLabel = withSize(axis.axisLabel, rowsDown ? dense : size);
        if (rowsDown && rowSize >= 12 && axis.axisLabel.interval == null) {
          axis.axisLabel.interval = 0;  // every row named, now that they fit
        }
        axis.nameTextStyle = withSize(axis.nameTextStyle, size);
        if (typeof axis.nameGap === "number") { axis.nameGap = Math.round(axis.nameGap * k); }
      });
    });
    each(o, "series", function (series) {
      series.label = withSize(series.label, dense);
      lift(series.itemStyle);
      lift(series.lineStyle);
      (series.data || []).forEach(function (point) {
        if (point && typeof point === "object" && !Array.isArray(point)) { lift(point.itemStyle); }
      });
      if (typeof series.symbolSize === "number") {
        series.symbolSize = Math.round(series.symbolSize * k);
      }
      if (series.type === "bar" && series.barMaxWidth == null) { series.barMaxWidth = size * 2.5; }
      if (series.type === "line") {
        series.lineStyle = series.lineStyle || {};
        if (series.lineStyle.width == null) { series.lineStyle.width = Math.max(2, size / 6); }
        if (series.symbolSize == null) { series.symbolSize = Math.round(size / 2.5); }
      }
    });
    each(o, "legend", function (legend) {
      legend.textStyle = withSize(legend.textStyle, size);
      if (legend.itemWidth == null) { legend.itemWidth = Math.round(size * 1.4); }
      if (legend.itemHeight == null) { legend.itemHeight = Math.round(size * 0.8); }
    });
    each(o, "tooltip", function (tooltip) { tooltip.textStyle = withSize(tooltip.textStyle, size); });
    each(o, "title", function (title) { title.textStyle = withSize(title.textStyle, size); });
    return o;
  }

  // --- drawing: a chart is made the first time its page shows ------------------------

  function draw(el) {
    var id = el.dataset.chart;
    var entry = drawn[id];
    if (!entry) {
      var chart = window.echarts.init(el, "dark", { renderer: "canvas" });
      chart.on("finished", function () { el.dataset.ready = "1"; });
      chart.on("click", function (params) {
        if (params.data && params.data.link) { window.location.href = params.data.link; }
      });
      entry = drawn[id] = { chart: chart, look: "" };
    } else {
      entry.chart.resize();
    }
    restyle(el, entry, false);
  }

  function count(value) {
    return !value ? 0 : Array.isArray(value) ? value.length : 1;
  }

  // The option again when the text size or the chart's height changed (or
  // `always`, for new figures): merged into what is drawn, so bars move, no
  // flash. A merge would keep a series or an axis the new option no longer
  // has: then the chart is drawn afresh.
  function restyle(el, entry, always) {
    var size = fontSize();
    var look = size + "/" + el.clientHeight;
    if (!always && entry.look === look) { return; }
    var next = styled(options[el.dataset.chart], size, el.clientHeight);
    var before = entry.look ? entry.chart.getOption() : null;
    var same = !before || ["series", "xAxis", "yAxis", "legend"].every(function (key) {
      return count(before[key]) === count(next[key]);
    });
    entry.chart.setOption(next, same ? {} : { notMerge: true });
    entry.look = look;
  }

  function drawPage() {
    if (!pages.length) { return; }
    pages[current].querySelectorAll("[data-chart]").forEach(draw);
  }

  function show(n) {
    if (!pages.length) { return; }
    current = (n + pages.length) % pages.length;
    pages.forEach(function (page, i) { page.hidden = i !== current; });
    pageOut.textContent = String(current + 1);
    drawPage();
  }

  // --- turning the pages --------------------------------------------------------------

  function restart() {
    if (timer) { window.clearInterval(timer); timer = null; }
    if (config.cycle > 0 && pages.length > 1 && !paused) {
      timer = window.setInterval(function () { show(current + 1); }, config.cycle * 1000);
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    if (event.key === "ArrowRight" || event.key === "PageDown") {
      show(current + 1);
    } else if (event.key === "ArrowLeft" || event.key === "PageUp") {
      show(current - 1);
    } else if (event.key === " " || event.key === "Spacebar") {
      paused = !paused;
      pausedOut.hidden = !paused;
    } else {
      return;
    }
    event.preventDefault();
    restart();
  });

  var resizing = null;
  window.addEventListener("resize", function () {
    if (resizing) { window.cancelAnimationFrame(resizing); }
    resizing = window.requestAnimationFrame(function () { resizing = null; drawPage(); });
  });

  // --- the figures, reloaded in place -------------------------------------------------

  function layout(charts) {
    return charts.map(function (c) { return c.id + (c.empty ? ":empty" : ""); }).join("\n");
  }

  function setText(selector, text) {
    var el = document.querySelector(selector);
    if (el) { el.textContent = String(text); }
  }

  function update(data) {
    if (layout(data.charts) !== layout(config.charts)) {
      window.location.reload();  // another set of charts: lay the pages out again
      return;
    }
    config.charts = data.charts;
    data.charts.forEach(function (c) {
      options[c.id] = c.option;
      var id = window.CSS && window.CSS.escape ? window.CSS.escape(c.id) : c.id;
      var el = document.querySelector('[data-chart="' + id + '"]');
      if (!el) { return; }
      var title = el.parentNode.querySelector("h2");
      if (title) { title.textContent = c.title; }
      el.setAttribute("aria-label", c.title);
      if (drawn[c.id]) { restyle(el, drawn[c.id], true); }
    });
    ["open", "red", "yellow"].forEach(function (key) {
      if (data.totals && key in data.totals) {
        setText('[data-total="' + key + '"]', data.totals[key]);
      }
    });
    var time = document.querySelector("[data-generated]");
    if (time && data.generated_at) {
      time.setAttribute("datetime", data.generated_at);
      // "2026-03-18T09:30:00+08:00": the office's local time, as the server wrote it.
      time.textContent = data.generated_at.slice(0, 10) + " " + data.generated_at.slice(11, 16);
      time.parentNode.classList.remove("stale");
    }
  }

  function stale() {
    var time = document.querySelector("[data-generated]");
    if (time) { time.parentNode.classList.add("stale"); }
  }

  function refresh() {
    if (!window.fetch) { window.location.reload(); return; }
    window.fetch(config.data + window.location.search, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      if (response.redirected || response.status === 401 || response.status === 403) {
        window.location.reload();  // signed out meanwhile: the page says so
        return null;
      }
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (data) {
      if (data) { update(data); }
    }).catch(stale);  // the old figures stay up, marked stale, until the next try
  }

  if (config.refresh > 0) { window.setInterval(refresh, config.refresh * 1000); }
  show(0);
  restart();
})();
