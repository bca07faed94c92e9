/* List pages (customers, opportunities, leads, contracts): row selection enables the bulk
   actions and counts the selection; a bulk button with data-bulk-confirm asks first. Wired again
   after htmx swaps the results. No inline scripts (CSP). */
(function () {
  "use strict";

  function setupBulk(root) {
    (root || document).querySelectorAll("form[data-bulk-form]").forEach(function (form) {
      if (form.dataset.wired) return;
      form.dataset.wired = "1";
      var all = form.querySelector("[data-select-all]");
      function rows() { return Array.prototype.slice.call(form.querySelectorAll("[data-row-check]")); }
      function update() {
        var n = rows().filter(function (r) { return r.checked; }).length;
        var count = form.querySelector("[data-bulk-count]");
        if (count) count.textContent = String(n);
        form.querySelectorAll("[data-bulk-action]").forEach(function (b) { b.disabled = n === 0; });
        form.classList.toggle("sd-has-selection", n > 0);
        if (all) { all.checked = n > 0 && n === rows().length; all.indeterminate = n > 0 && n < rows().length; }
      }
      if (all) all.addEventListener("change", function () { rows().forEach(function (r) { r.checked = all.checked; }); update(); });
      form.addEventListener("change", function (e) { if (e.target.matches("[data-row-check]")) update(); });
      form.addEventListener("submit", function (e) {
        var btn = e.submitter;
        if (btn && btn.dataset.bulkConfirm && !window.confirm(btn.dataset.bulkConfirm)) e.preventDefault();
      });
      update();
    });
  }

  document.addEventListener("htmx:afterSettle", function (e) { setupBulk(e.detail.target); });
  if (document.readyState !== "loading") setupBulk(document);
  else document.addEventListener("DOMContentLoaded", function () { setupBulk(document); });
})();
