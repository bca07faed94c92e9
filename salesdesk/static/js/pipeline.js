/* The pipeline board (FUN-4): drag and drop with SortableJS (mouse and touch), a "move to
   stage…" menu on every card for keyboard users, reasons for won and lost, and a clean refusal
   when the deal changed since the board was loaded (the card snaps back and is reloaded). */
(function () {
  "use strict";

  function onReady(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (e) { return ""; }
  }

  function parseMoney(text) { return parseFloat(String(text || "0").replace(/[^0-9.\-]/g, "")) || 0; }
  function formatMoney(value) {
    return value.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  }

  onReady(function () {
    var board = document.querySelector("[data-board]");
    if (!board) return;
    var stages = JSON.parse(board.getAttribute("data-stage-names") || "[]");
    var statusRegion = document.getElementById("board-status");
    var alertBox = document.getElementById("board-alert");
    var modalEl = document.getElementById("board-reason-modal");
    var reasonForm = modalEl.querySelector("[data-reason-form]");
    var reasonSelect = modalEl.querySelector("[data-reason-select]");
    var pending = null; // {card, from, index, target, kind}

    function announce(text) { if (statusRegion) statusRegion.textContent = text; }
    function warn(text) {
      if (!alertBox) return;
      alertBox.textContent = text;
      alertBox.classList.remove("d-none");
    }

    function column(stageId) { return board.querySelector("[data-column][data-stage-id='" + stageId + "']"); }

    function adjust(col, card, sign) {
      if (!col || col.hasAttribute("data-lost")) return;
      var count = col.querySelector("[data-count]");
      var sum = col.querySelector("[data-sum]");
      var weighted = col.querySelector("[data-weighted]");
      var amount = parseFloat(card.getAttribute("data-amount")) || 0;
      var probability = parseFloat(col.getAttribute("data-probability")) || 0;
      count.textContent = String((parseInt(count.textContent, 10) || 0) + sign);
      sum.textContent = formatMoney(parseMoney(sum.textContent) + sign * amount);
      weighted.textContent = formatMoney(parseMoney(weighted.textContent) + sign * amount * probability / 100);
    }

    function putBack(card, from, index) {
      var children = from.querySelectorAll("[data-card]");
      var ref = children[index] || null;
      if (ref && ref !== card) from.insertBefore(card, ref);
      else if (!ref) {
        var more = from.querySelector(".sd-load-more");
        from.insertBefore(card, more);
      }
    }

    function refreshCard(card) {
      fetch(card.getAttribute("data-card-url"), { headers: { "HX-Request": "true" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) {
          if (!html) { card.remove(); return; }
          var holder = document.createElement("div");
          holder.innerHTML = html.trim();
          var fresh = holder.firstElementChild;
          var col = column(fresh.getAttribute("data-stage-id"));
          var list = col ? col.querySelector("[data-cards]") : null;
          if (list && list !== card.parentNode) {
            card.remove();
            list.insertBefore(fresh, list.firstChild);
          } else {
            card.replaceWith(fresh);
          }
        });
    }

    function send(card, url, data, onDone) {
      var body = new FormData();
      body.append("version", card.getAttribute("data-version"));
      Object.keys(data).forEach(function (k) { if (data[k] !== undefined && data[k] !== null) body.append(k, data[k]); });
      return fetch(url, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), "X-SD-Board": "1" }
      }).then(function (r) {
        return r.json().catch(function () { return { ok: false, message: board.getAttribute("data-error-label") }; });
      }).then(onDone, function () { onDone({ ok: false, message: board.getAttribute("data-error-label") }); });
    }

    function finish(move, result) {
      var card = move.card;
      var targetCol = move.target.closest("[data-column]");
      var fromCol = move.from.closest("[data-column]");
      if (result.ok) {
        card.setAttribute("data-version", result.version);
        adjust(fromCol, card, -1);
        if (targetCol.hasAttribute("data-lost")) {
          card.classList.add("sd-deal-lost");
          setTimeout(function () { card.remove(); }, 1500);
        } else {
          card.setAttribute("data-stage-id", targetCol.getAttribute("data-stage-id"));
          adjust(targetCol, card, +1);
        }
        announce(result.message || board.getAttribute("data-saved-label"));
        card.classList.remove("sd-deal-stale");
      } else {
        putBack(card, move.from, move.index);
        warn(result.message || board.getAttribute("data-error-label"));
        if (result.stale) refreshCard(card);
      }
    }

    function perform(move) {
      var targetCol = move.target.closest("[data-column]");
      if (targetCol.hasAttribute("data-lost") || targetCol.getAttribute("data-won") === "1") {
        pending = move;
        pending.kind = targetCol.hasAttribute("data-lost") ? "lost" : "won";
        var title = modalEl.querySelector("#board-reason-title");
        title.textContent = title.getAttribute("data-title-" + pending.kind);
        var first = null;
        Array.prototype.forEach.call(reasonSelect.options, function (o) {
          var show = o.getAttribute("data-kind") === pending.kind;
          o.hidden = !show; o.disabled = !show;
          if (show && !first) first = o;
        });
        reasonSelect.value = first ? first.value : "";
        reasonForm.reset && (reasonForm.querySelector("[name=reason_note]").value = "");
        if (first) reasonSelect.value = first.value;
        bootstrap.Modal.getOrCreateInstance(modalEl).show();
        return;
      }
      send(move.card, move.card.getAttribute("data-move-url"), { stage: targetCol.getAttribute("data-stage-id") }, function (r) { finish(move, r); });
    }

    reasonForm.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!pending) return;
      var move = pending;
      pending = null;
      var data = { reason: reasonSelect.value, reason_note: reasonForm.querySelector("[name=reason_note]").value };
      var url = move.card.getAttribute("data-move-url");
      if (move.kind === "lost") url = move.card.getAttribute("data-lose-url");
      else data.stage = move.target.closest("[data-column]").getAttribute("data-stage-id");
      bootstrap.Modal.getOrCreateInstance(modalEl).hide();
      send(move.card, url, data, function (r) { finish(move, r); });
    });
    modalEl.addEventListener("hidden.bs.modal", function () {
      if (pending) { putBack(pending.card, pending.from, pending.index); pending = null; }
    });

    board.querySelectorAll("[data-cards]").forEach(function (list) {
      Sortable.create(list, {
        group: "board",
        draggable: "[data-card]",
        animation: 120,
        delayOnTouchOnly: true,
        delay: 150,
        onEnd: function (evt) {
          if (evt.from === evt.to) return;
          var empty = evt.to.querySelector("[data-empty]");
          if (empty) empty.remove();
          perform({ card: evt.item, from: evt.from, index: evt.oldDraggableIndex, target: evt.to });
        }
      });
    });

    /* Quick add in a column: one dialog, pointed at the column's stage. */
    var quickModal = document.getElementById("board-quick-add");
    board.addEventListener("click", function (event) {
      var button = event.target.closest("[data-quick-add]");
      if (!button || !quickModal) return;
      quickModal.querySelector("[data-quick-add-form]").setAttribute("action", button.getAttribute("data-action"));
      quickModal.querySelector("[data-quick-add-stage]").textContent = button.getAttribute("data-stage-name");
      bootstrap.Modal.getOrCreateInstance(quickModal).show();
    });

    /* Keyboard and menu alternative: "move to stage…" */
    board.addEventListener("show.bs.dropdown", function (event) {
      var card = event.target.closest("[data-card]");
      if (!card) return;
      var menu = card.querySelector("[data-move-menu]");
      var current = card.getAttribute("data-stage-id");
      menu.innerHTML = "";
      stages.forEach(function (s) {
        if (String(s.id) === current) return;
        var li = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "dropdown-item";
        button.textContent = s.name;
        button.setAttribute("data-move-to", s.id);
        li.appendChild(button);
        menu.appendChild(li);
      });
      var li = document.createElement("li");
      var lost = document.createElement("button");
      lost.type = "button";
      lost.className = "dropdown-item text-body-secondary";
      lost.textContent = board.getAttribute("data-lost-label");
      lost.setAttribute("data-move-to", "lost");
      li.appendChild(lost);
      menu.appendChild(li);
    });
    board.addEventListener("click", function (event) {
      var button = event.target.closest("[data-move-to]");
      if (!button) return;
      var card = button.closest("[data-card]");
      var from = card.parentNode;
      var index = Array.prototype.indexOf.call(from.querySelectorAll("[data-card]"), card);
      var value = button.getAttribute("data-move-to");
      var target = value === "lost" ? board.querySelector("[data-lost-zone]") : column(value).querySelector("[data-cards]");
      target.insertBefore(card, target.firstChild);
      perform({ card: card, from: from, index: index, target: target });
    });
  });
})();
