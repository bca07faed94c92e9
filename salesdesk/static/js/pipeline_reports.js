/* The funnel chart (FUN-5): ECharts, data from the page's JSON block; the table below holds the
   same numbers. */
(function () {
  "use strict";
  function onReady(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }
  onReady(function () {
    var node = document.querySelector("[data-funnel-chart]");
    var source = document.getElementById("funnel-data");
    if (!node || !source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var chart = window.echarts.init(node, null, { renderer: "svg" });
    chart.setOption({
      tooltip: { trigger: "item", formatter: "{b}: {c}" },
      series: [{
        type: "funnel",
        sort: "none",
        left: "10%",
        width: "80%",
        label: { show: true, position: "inside", formatter: "{b} {c}" },
        data: data.stages.map(function (name, i) { return { name: name, value: data.open_count[i] }; })
      }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
