// The cockpit's charts: options come from the server (json_script), each bar
// links to the filtered list behind it.
(function () {
  "use strict";
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var source = document.getElementById(el.dataset.chart);
    if (!source || !window.echarts) { return; }
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(JSON.parse(source.textContent));
    chart.on("click", function (params) {
      if (params.data && params.data.link) { window.location.href = params.data.link; }
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
