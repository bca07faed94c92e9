// Contract form: live line amounts and total, removing lines, and keeping the formset's
// TOTAL_FORMS in step with the rows htmx adds. The server computes the saved amounts again.
(function () {
  "use strict";

  function number(value) {
    var n = parseFloat(value);
    return isFinite(n) ? n : 0;
  }

  function money(value) {
    return "¥" + value.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  function recompute(form) {
    var total = 0;
    form.querySelectorAll("[data-line-row]").forEach(function (row) {
      if (row.hidden) return;
      var select = row.querySelector("[data-line-product]");
      var option = select && select.selectedOptions[0];
      var cell = row.querySelector("[data-line-amount]");
      if (!option || !option.value) {
        cell.textContent = "—";
        return;
      }
      var priceInput = row.querySelector("[data-line-price]");
      var price = priceInput.value === "" ? number(option.dataset.price) : number(priceInput.value);
      var quantity = number(row.querySelector("[data-line-quantity]").value);
      var discount = number(row.querySelector("[data-line-discount]").value);
      var amount = Math.round(quantity * price * (100 - discount)) / 100;
      cell.textContent = money(amount);
      total += amount;
    });
    var out = form.querySelector("[data-contract-total]");
    if (out) out.textContent = money(Math.round(total * 100) / 100);
  }

  function init() {
    var form = document.querySelector("[data-contract-form]");
    if (!form) return;
    form.addEventListener("input", function () { recompute(form); });
    form.addEventListener("change", function () { recompute(form); });
    form.addEventListener("click", function (event) {
      var button = event.target.closest("[data-line-remove]");
      if (!button) return;
      var row = button.closest("[data-line-row]");
      var select = row.querySelector("[data-line-product]");
      if (select) select.value = "";
      row.hidden = true;
      recompute(form);
    });
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail.target && event.detail.target.id === "contract-lines") {
        var total = form.querySelector("[name='lines-TOTAL_FORMS']");
        total.value = form.querySelectorAll("[data-line-row]").length;
        recompute(form);
      }
    });
    recompute(form);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();

// Channel performance: revenue and contracts per channel (ECharts), from the page's JSON data.
(function () {
  "use strict";

  function draw() {
    var dataNode = document.getElementById("channel-chart-data");
    var node = document.getElementById("channel-chart");
    if (!dataNode || !node || !window.echarts) return;
    var data = JSON.parse(dataNode.textContent);
    var chart = window.echarts.init(node);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { data: [data.names.revenue, data.names.contracts] },
      xAxis: { type: "category", data: data.labels },
      yAxis: [{ type: "value" }, { type: "value", minInterval: 1 }],
      series: [
        { name: data.names.revenue, type: "bar", data: data.revenue },
        { name: data.names.contracts, type: "line", yAxisIndex: 1, data: data.contracts },
      ],
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
