/* Account pages (sign-in & security, API tokens): copy buttons and confirmations.
   No inline scripts (CSP script-src 'self'). */
(function () {
  "use strict";

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      try {
        document.execCommand("copy") ? resolve() : reject(new Error("copy failed"));
      } catch (err) {
        reject(err);
      } finally {
        document.body.removeChild(area);
      }
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-account-copy]");
    if (!button) return;
    var source = document.querySelector(button.getAttribute("data-account-copy"));
    if (!source) return;
    var text = ("value" in source && source.value !== undefined ? source.value : source.textContent).trim();
    copyText(text).then(function () {
      var label = button.getAttribute("data-copied-text");
      if (!label) return;
      var original = button.innerHTML;
      button.textContent = label;
      button.disabled = true;
      window.setTimeout(function () {
        button.innerHTML = original;
        button.disabled = false;
      }, 1600);
    }).catch(function () {
      if (source.select) source.select();
    });
  });

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-account-confirm]");
    if (!form || form.dataset.accountConfirmed === "1") return;
    if (!window.confirm(form.getAttribute("data-account-confirm"))) {
      event.preventDefault();
    }
  });

  var code = document.querySelector("input[autocomplete='one-time-code']");
  if (code && code.form) {
    code.addEventListener("input", function () {
      var digits = code.value.replace(/\s+/g, "");
      if (/^\d{6}$/.test(digits) && code.form.querySelector("[name='action']") === null && code.form.dataset.autosubmitted !== "1") {
        code.form.dataset.autosubmitted = "1";
        code.form.requestSubmit ? code.form.requestSubmit() : code.form.submit();
      }
    });
  }
})();
