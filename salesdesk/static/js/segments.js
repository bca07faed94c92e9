/* Persona page (CUS-3): draws the distributions, tags and RFM charts with ECharts from the
   JSON the page embeds (json_script). No inline scripts (CSP); readable on phones (SVG, resize). */
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  var charts = [];

  function bars(node, items, label) {
    var chart = window.echarts.init(node, null, { renderer: "svg" });
    var rows = items.slice().reverse();
    chart.setOption({
      animation: false,
      grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" },
        formatter: function (p) { var b = rows[p[0].dataIndex]; return b.label + ": " + b.count + " (" + b.share + "%)"; } },
      xAxis: { type: "value", minInterval: 1, axisLabel: { hideOverlap: true } },
      yAxis: { type: "category", data: rows.map(function (b) { return b.label; }),
        axisLabel: { width: 110, overflow: "truncate" } },
      series: [{ name: label, type: "bar", data: rows.map(function (b) { return b.count; }),
        itemStyle: { color: "#2f6fed" }, barMaxWidth: 22,
        label: { show: true, position: "right", formatter: function (p) { return rows[p.dataIndex].share + "%"; } } }]
    });
    charts.push(chart);
  }

  function rfmGrid(node, grid, labels) {
    var chart = window.echarts.init(node, null, { renderer: "svg" });
    var scores = ["1", "2", "3", "4", "5"];
    var max = grid.reduce(function (m, c) { return Math.max(m, c[2]); }, 1);
    chart.setOption({
      animation: false,
      tooltip: { formatter: function (p) { return labels.r + " " + (p.value[0] + 1) + " · " + labels.f + " " + (p.value[1] + 1) + ": " + p.value[2]; } },
      grid: { left: 8, right: 8, top: 8, bottom: 48, containLabel: true },
      xAxis: { type: "category", data: scores, name: labels.r, nameLocation: "middle", nameGap: 24 },
      yAxis: { type: "category", data: scores, name: labels.f, nameLocation: "middle", nameGap: 24 },
      visualMap: { min: 0, max: max, show: false, inRange: { color: ["#eef3fe", "#2f6fed"] } },
      series: [{ type: "heatmap", label: { show: true },
        data: grid.map(function (c) { return [c[0] - 1, c[1] - 1, c[2]]; }) }]
    });
    charts.push(chart);
  }

  onReady(function () {
    var source = document.getElementById("persona-data");
    if (!source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var label = data.labels.customers;
    data.distributions.forEach(function (d) {
      var node = document.querySelector('[data-chart="' + d.key + '"]');
      if (node && d.bars.length) bars(node, d.bars, label);
    });
    var tagNode = document.querySelector('[data-chart="tags"]');
    if (tagNode && data.tags.length) bars(tagNode, data.tags, label);
    var gridNode = document.querySelector('[data-chart="rfm-grid"]');
    if (gridNode && data.rfm.grid.length) rfmGrid(gridNode, data.rfm.grid, data.labels);
    var mNode = document.querySelector('[data-chart="rfm-m"]');
    if (mNode) {
      bars(mNode, data.rfm.m.map(function (s) {
        return { label: data.labels.m + " " + s.score, count: s.count, share: s.share };
      }), label);
    }
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  });
})();
