/* The training effect chart (PRF-5): ECharts, data from the page's JSON block; the table below
   holds the same numbers. Weeks before the training on the left, after it on the right. */
(function () {
  "use strict";
  function onReady(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }
  onReady(function () {
    var node = document.querySelector("[data-training-effect-chart]");
    var source = document.getElementById("training-effect-data");
    if (!node || !source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    if (!data) return;
    var chart = window.echarts.init(node, null, { renderer: "svg" });
    var half = data.labels.length / 2;
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { data: [data.names.trainees, data.names.peers] },
      grid: { left: 60, right: 20, top: 40, bottom: 40 },
      xAxis: { type: "category", data: data.labels },
      yAxis: { type: "value" },
      series: [
        {
          name: data.names.trainees, type: "line", data: data.trainees, connectNulls: false,
          markLine: {
            symbol: "none", label: { formatter: data.training },
            data: [{ xAxis: data.labels[half] }]
          }
        },
        { name: data.names.peers, type: "line", data: data.peers, lineStyle: { type: "dashed" } }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
