/* Return visits, care and feedback pages: copy-to-clipboard buttons and the dashboard charts
   (ECharts, data from json_script; no inline scripts under the CSP). */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-copy-target]") : null;
    if (!button) return;
    var source = document.getElementById(button.getAttribute("data-copy-target"));
    if (!source || !navigator.clipboard) return;
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      var label = button.getAttribute("data-copied-label");
      if (label) button.setAttribute("title", label);
      button.classList.add("btn-success");
      window.setTimeout(function () { button.classList.remove("btn-success"); }, 1500);
    });
  });

  function initCharts() {
    var dataNode = document.getElementById("feedback-chart-data");
    if (!dataNode || !window.echarts) return;
    var data = JSON.parse(dataNode.textContent);
    document.querySelectorAll("[data-chart]").forEach(function (node) {
      var rows = data[node.getAttribute("data-chart")] || [];
      var chart = window.echarts.init(node);
      chart.setOption({
        tooltip: { trigger: "axis" },
        legend: { data: [data.labels.csat, data.labels.nps] },
        grid: { left: 40, right: 40, bottom: 30, top: 40 },
        xAxis: { type: "category", data: rows.map(function (r) { return r.label; }) },
        yAxis: [
          { type: "value", min: 0, max: 5, name: data.labels.csat },
          { type: "value", min: -100, max: 100, name: data.labels.nps }
        ],
        series: [
          { name: data.labels.csat, type: "bar", data: rows.map(function (r) { return r.csat_avg; }) },
          { name: data.labels.nps, type: "line", yAxisIndex: 1, data: rows.map(function (r) { return r.nps; }) }
        ]
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", initCharts);
  } else {
    initCharts();
  }
})();
