/* SalesDesk shell behaviour. No inline scripts anywhere (CSP): everything is wired here. */
(function () {
  "use strict";

  function isTyping(event) {
    var el = event.target;
    if (event.isComposing || event.keyCode === 229) return true; // IME composition
    if (!el || el === document.body) return false;
    var tag = el.tagName;
    return el.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }

  function onReady(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  /* ---- keyboard shortcuts: / search, n new, ? help (never while typing or composing) ---- */
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(event)) return;
    if (document.querySelector(".modal.show")) return;
    if (event.key === "/") {
      var search = document.getElementById("sd-search-input");
      if (search) { event.preventDefault(); search.focus(); search.select(); }
    } else if (event.key === "n") {
      var create = document.querySelector("[data-shortcut='new']");
      if (create) { event.preventDefault(); create.click(); }
    } else if (event.key === "?") {
      var help = document.getElementById("sd-shortcuts");
      if (help && window.bootstrap) { event.preventDefault(); bootstrap.Modal.getOrCreateInstance(help).show(); }
    }
  });

  /* ---- global search dropdown ---- */
  function setupSearch() {
    var input = document.getElementById("sd-search-input");
    var results = document.getElementById("sd-search-results");
    if (!input || !results) return;
    var composing = false;
    function show(open) {
      results.hidden = !open;
      input.setAttribute("aria-expanded", open ? "true" : "false");
    }
    function fire() { if (window.htmx) htmx.trigger(input, "sd-search"); }
    input.addEventListener("compositionstart", function () { composing = true; });
    input.addEventListener("compositionend", function () { composing = false; fire(); });
    input.addEventListener("input", function (event) {
      if (composing || event.isComposing) return;
      if (!input.value.trim()) { results.innerHTML = ""; show(false); return; }
      fire();
    });
    input.addEventListener("focus", function () { if (results.innerHTML.trim() && input.value.trim()) show(true); });
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail.target === results) show(!!results.innerHTML.trim() && !!input.value.trim());
    });
    function options() { return Array.prototype.slice.call(results.querySelectorAll("a.sd-search-hit, a.sd-search-all")); }
    function move(step) {
      var items = options();
      if (!items.length) return;
      var current = items.indexOf(document.activeElement);
      var next = current + step;
      if (next < 0) { input.focus(); return; }
      if (next >= items.length) next = items.length - 1;
      items[next].focus();
    }
    var form = document.getElementById("sd-search-form");
    form.addEventListener("keydown", function (event) {
      if (event.isComposing) return;
      if (event.key === "ArrowDown") { event.preventDefault(); show(true); move(1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); move(-1); }
      else if (event.key === "Escape") { show(false); input.blur(); }
    });
    document.addEventListener("click", function (event) { if (!form.contains(event.target)) show(false); });
  }

  /* ---- notifications panel: load when the bell opens ---- */
  function setupBell() {
    var bell = document.getElementById("sd-bell");
    var panel = document.getElementById("sd-notif-panel");
    if (!bell || !panel) return;
    bell.addEventListener("show.bs.dropdown", function () { if (window.htmx) htmx.trigger(panel, "sd-open"); });
  }

  /* ---- toasts for Django messages ---- */
  function showToasts(root) {
    if (!window.bootstrap) return;
    (root || document).querySelectorAll(".sd-toast:not(.sd-shown)").forEach(function (el) {
      el.classList.add("sd-shown");
      bootstrap.Toast.getOrCreateInstance(el).show();
    });
  }

  /* ---- confirm dialogs: <form data-confirm="text">, or <button type="submit" data-confirm>
     (that button only); the button pressed is submitted again after OK, with its name/value ---- */
  var pendingForm = null;
  var pendingSubmitter = null;
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches) return;
    var submitter = event.submitter || null;
    var asking = submitter && submitter.hasAttribute("data-confirm") ? submitter : (form.matches("form[data-confirm]") ? form : null);
    if (!asking) return;
    if (form.dataset.confirmed === "1") { form.dataset.confirmed = ""; return; }
    var modalEl = document.getElementById("sd-confirm");
    event.preventDefault();
    if (!modalEl || !window.bootstrap) { if (window.confirm(asking.dataset.confirm)) { form.dataset.confirmed = "1"; form.requestSubmit(submitter); } return; }
    pendingForm = form;
    pendingSubmitter = submitter;
    document.getElementById("sd-confirm-text").textContent = asking.dataset.confirm;
    var ok = document.getElementById("sd-confirm-ok");
    ok.className = "btn " + (asking.hasAttribute("data-confirm-danger") || /delete|deactivate/i.test(form.action) ? "btn-danger" : "btn-primary");
    bootstrap.Modal.getOrCreateInstance(modalEl).show();
  }, true);
  function setupConfirm() {
    var ok = document.getElementById("sd-confirm-ok");
    if (!ok) return;
    ok.addEventListener("click", function () {
      var modalEl = document.getElementById("sd-confirm");
      bootstrap.Modal.getOrCreateInstance(modalEl).hide();
      if (pendingForm) { pendingForm.dataset.confirmed = "1"; pendingForm.requestSubmit(pendingSubmitter); pendingForm = null; pendingSubmitter = null; }
    });
  }

  /* ---- unsaved-change warning: <form data-unsaved-warning> ---- */
  var dirtyForms = new Set();
  function setupUnsaved() {
    document.querySelectorAll("form[data-unsaved-warning]").forEach(function (form) {
      form.addEventListener("input", function () { dirtyForms.add(form); });
      form.addEventListener("change", function () { dirtyForms.add(form); });
      form.addEventListener("submit", function () { dirtyForms.delete(form); });
    });
    document.querySelectorAll("[data-discard-changes]").forEach(function (el) {
      el.addEventListener("click", function () { dirtyForms.clear(); });
    });
  }
  window.addEventListener("beforeunload", function (event) {
    if (dirtyForms.size) { event.preventDefault(); event.returnValue = ""; }
  });

  /* ---- filter bars: submit on select change and (debounced) on typing ---- */
  function setupFilters() {
    document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
      var timer = null;
      form.addEventListener("change", function (event) {
        if (event.target.tagName === "SELECT") form.requestSubmit();
      });
      form.querySelectorAll("[data-filter-input]").forEach(function (input) {
        input.addEventListener("input", function (event) {
          if (event.isComposing) return;
          clearTimeout(timer);
          timer = setTimeout(function () { form.requestSubmit(); }, 350);
        });
        input.addEventListener("compositionend", function () {
          clearTimeout(timer);
          timer = setTimeout(function () { form.requestSubmit(); }, 350);
        });
      });
    });
  }

  /* ---- the progress bar shows while any htmx request runs ---- */
  var active = 0;
  document.addEventListener("htmx:beforeRequest", function () {
    active += 1;
    var bar = document.getElementById("sd-progress");
    if (bar) bar.classList.add("htmx-request");
  });
  document.addEventListener("htmx:afterRequest", function () {
    active = Math.max(0, active - 1);
    var bar = document.getElementById("sd-progress");
    if (bar && !active) bar.classList.remove("htmx-request");
  });
  document.addEventListener("htmx:afterSettle", function (event) { showToasts(event.detail.target); });

  onReady(function () {
    setupSearch();
    setupBell();
    setupConfirm();
    setupUnsaved();
    setupFilters();
    showToasts(document);
  });
})();
