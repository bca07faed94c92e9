// Opportunity form: product lines (add, remove, the unit price starting at the product's list
// price), the live line amounts and total, and the amount's placeholder showing that total (an
// empty amount is saved as the sum of the lines). The server computes the saved values again.
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
    var cents = 0;
    form.querySelectorAll("#opportunity-lines [data-line-row]").forEach(function (row) {
      var cell = row.querySelector("[data-line-amount]");
      var select = row.querySelector("[data-line-product]");
      var option = select && select.selectedOptions[0];
      if (row.hidden || !option || !option.value) {
        cell.textContent = "—";
        return;
      }
      var priceInput = row.querySelector("[data-line-price]");
      var price = priceInput.value === "" ? number(option.dataset.price) : number(priceInput.value);
      var quantity = number(row.querySelector("[data-line-quantity]").value);
      var lineCents = Math.round(quantity * price * 100);
      cell.textContent = money(lineCents / 100);
      cents += lineCents;
    });
    var text = money(cents / 100);
    var out = form.querySelector("[data-lines-total]");
    if (out) out.textContent = text;
    var amount = form.querySelector("input[name=amount]");
    if (amount) amount.placeholder = text;
  }

  function init() {
    var form = document.querySelector("form[data-opportunity-form]");
    if (!form) return;
    var body = form.querySelector("#opportunity-lines");
    var template = document.getElementById("opportunity-line-template");
    var total = form.querySelector("input[name='lines-TOTAL_FORMS']");

    form.addEventListener("input", function () { recompute(form); });
    form.addEventListener("change", function (event) {
      var select = event.target.closest("[data-line-product]");
      if (select) {
        // A new product brings its list price (a price typed by hand for it stays).
        var row = select.closest("[data-line-row]");
        var price = row.querySelector("[data-line-price]");
        var option = select.selectedOptions[0];
        if (option && option.value && (price.value === "" || price.dataset.auto === "1")) {
          price.value = number(option.dataset.price).toFixed(2);
          price.dataset.auto = "1";
        }
      } else if (event.target.matches("[data-line-price]")) {
        event.target.dataset.auto = "";
      }
      recompute(form);
    });
    form.addEventListener("click", function (event) {
      var remove = event.target.closest("[data-line-remove]");
      if (remove) {
        var row = remove.closest("[data-line-row]");
        row.querySelector("[data-line-delete]").checked = true;
        row.hidden = true;
        recompute(form);
        var add = form.querySelector("[data-line-add]");
        if (add) add.focus();
        return;
      }
      if (event.target.closest("[data-line-add]") && template && total) {
        var index = parseInt(total.value, 10) || 0;
        var html = template.innerHTML.replace(/__prefix__/g, String(index));
        body.insertAdjacentHTML("beforeend", html);
        total.value = String(index + 1);
        var added = body.lastElementChild;
        var first = added && added.querySelector("[data-line-product]");
        if (first) first.focus();
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
