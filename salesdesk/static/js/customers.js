/* Customer pages (row selection and bulk actions: lists.js): kind-dependent fields, live duplicate check,
   current view query for "save view" and "export". No inline scripts (CSP): wired here. */
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  /* ---- list: keep "save view" and "export" on the current (htmx-updated) query ---- */
  var VIEW_KEYS = ["view", "q", "sort", "level", "kind", "source", "industry", "province", "city", "owner", "unit", "tag", "idle_days", "created_from", "created_to", "segment"];
  function currentQuery() {
    var params = new URLSearchParams(window.location.search);
    var out = [];
    VIEW_KEYS.slice().sort().forEach(function (k) { var v = params.get(k); if (v) out.push([k, v]); });
    return new URLSearchParams(out).toString();
  }
  function syncQuery() {
    var q = currentQuery();
    document.querySelectorAll("[data-current-query]").forEach(function (el) { el.value = q; });
    document.querySelectorAll("a[data-export-link]").forEach(function (a) { a.href = a.href.split("?")[0] + "?" + q; });
  }

  /* ---- form: show the fields of the chosen kind (company / individual) ---- */
  function setupKind() {
    var form = document.querySelector("form[data-customer-form]");
    if (!form) return;
    function apply() {
      var checked = form.querySelector("input[name=kind]:checked");
      var kind = checked ? checked.value : "company";
      form.querySelectorAll("[data-kind-only]").forEach(function (el) {
        var cell = el.closest("[class*='col-']");
        if (cell) cell.hidden = el.dataset.kindOnly !== kind;
      });
    }
    form.addEventListener("change", function (e) { if (e.target.name === "kind") apply(); });
    apply();
  }

  /* ---- form: live duplicate check while typing (never during IME composition) ---- */
  function setupDuplicates() {
    var box = document.getElementById("duplicate-hits");
    if (!box) return;
    var composing = false;
    function fire() { if (window.htmx) htmx.trigger(box, "sd-dupcheck"); }
    document.querySelectorAll("[data-duplicate-check]").forEach(function (input) {
      input.addEventListener("compositionstart", function () { composing = true; });
      input.addEventListener("compositionend", function () { composing = false; fire(); });
      input.addEventListener("input", function (e) { if (!composing && !e.isComposing) fire(); });
      input.addEventListener("change", fire);
    });
  }

  /* ---- detail: reopen a modal whose form came back with errors ---- */
  function setupModals() {
    if (!window.bootstrap) return;
    document.querySelectorAll(".modal[data-open]").forEach(function (m) { bootstrap.Modal.getOrCreateInstance(m).show(); });
  }

  document.addEventListener("htmx:afterSettle", function (e) {
    syncQuery();
  });
  onReady(function () {
    syncQuery();
    setupKind();
    setupDuplicates();
    setupModals();
  });
})();
