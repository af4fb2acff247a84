// The deal board: columns load their cards lazily (htmx), cards move by drag and drop
// (SortableJS) or from the keyboard, and every move is confirmed by the server, which
// answers with the fresh card and column headers, 409 when someone else changed the deal
// (the card goes back, refreshed), 400 with a message, 403/404 when it may not be moved.
(() => {
  "use strict";

  const board = document.getElementById("board");
  if (!board) return;
  const live = document.getElementById("board-live");
  const canMove = board.hasAttribute("data-can-move");
  const STORE = "keel.board.collapsed.";

  // ------------------------------------------------------------ helpers
  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch {
      return "";
    }
  }

  function announce(text) {
    if (!live || !text) return;
    live.textContent = "";
    window.setTimeout(() => {
      live.textContent = text;
    }, 60);
  }

  function toast(text) {
    const region = document.getElementById("toasts");
    if (!region || !text) return;
    const item = document.createElement("div");
    item.className = "toast toast-error";
    item.dataset.toast = "";
    const body = document.createElement("div");
    body.className = "toast-text";
    body.textContent = text;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "icon-btn";
    close.setAttribute("aria-label", "Dismiss");
    close.dataset.toastDismiss = "";
    close.textContent = "\u00d7";
    item.append(body, close);
    region.append(item);
  }

  const columnOf = (stageId) => board.querySelector(`.column[data-stage-id="${stageId}"]`);
  const listOf = (stageId) => document.getElementById(`cards-${stageId}`);
  const cardsIn = (list) => (list ? [...list.querySelectorAll(":scope > .deal-card")] : []);
  const columns = () => [...board.querySelectorAll(".column")];

  function hasMore(stageId) {
    const more = document.getElementById(`more-${stageId}`);
    return Boolean(more && (more.hasAttribute("hx-get") || more.querySelector("[hx-get]")));
  }

  function sibling(card, direction) {
    let node = direction < 0 ? card.previousElementSibling : card.nextElementSibling;
    while (node && !node.matches(".deal-card")) {
      node = direction < 0 ? node.previousElementSibling : node.nextElementSibling;
    }
    return node;
  }

  function neighbours(card) {
    return {
      after: sibling(card, -1)?.dataset.dealId || "",
      before: sibling(card, 1)?.dataset.dealId || "",
    };
  }

  function placeFrom(card) {
    return { list: card.parentElement, next: card.nextElementSibling };
  }

  function revert(card, origin) {
    if (!origin?.list) return;
    const next = origin.next && origin.next.parentElement === origin.list ? origin.next : null;
    origin.list.insertBefore(card, next);
  }

  function replaceCard(card, html) {
    if (!html) return card;
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    const fresh = template.content.firstElementChild;
    if (!fresh) return card;
    const hadFocus = card.contains(document.activeElement);
    card.replaceWith(fresh);
    if (window.htmx) window.htmx.process(fresh);
    if (hadFocus) fresh.focus();
    return fresh;
  }

  // ------------------------------------------------------------ collapsing won/lost columns
  function setCollapsed(column, collapsed, remember = true) {
    column.classList.toggle("is-collapsed", collapsed);
    const button = column.querySelector("[data-collapse]");
    if (button) {
      button.setAttribute("aria-expanded", String(!collapsed));
      button.setAttribute(
        "aria-label",
        `${collapsed ? "Expand" : "Collapse"} ${column.dataset.stageName}`,
      );
    }
    if (!remember) return;
    try {
      if (collapsed) localStorage.setItem(STORE + column.dataset.stageId, "1");
      else localStorage.removeItem(STORE + column.dataset.stageId);
    } catch {
      /* storage may be unavailable: the choice lasts for this page */
    }
  }

  for (const column of columns()) {
    let stored = null;
    try {
      stored = localStorage.getItem(STORE + column.dataset.stageId);
    } catch {
      stored = null;
    }
    if (stored && column.querySelector("[data-collapse]")) setCollapsed(column, true, false);
  }

  board.addEventListener("click", (event) => {
    const button = event.target.closest("[data-collapse]");
    if (!button) return;
    const column = button.closest(".column");
    setCollapsed(column, !column.classList.contains("is-collapsed"));
  });

  function applyColumns(data) {
    for (const [stageId, info] of Object.entries(data || {})) {
      const head = document.getElementById(`column-head-${stageId}`);
      const column = columnOf(stageId);
      if (!head || !column) continue;
      head.outerHTML = info.html;
      column.dataset.count = String(info.count);
      if (column.classList.contains("is-collapsed")) setCollapsed(column, true, false);
    }
  }

  // A page of cards arrived. An empty column now says so; a card moved into the column
  // before that page loaded is now there twice: the server's copy, in place, stays.
  let shown = new Set();
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.target?.matches?.(".column-cards")) {
      shown = new Set(board.querySelectorAll(".deal-card"));
    }
  });
  document.body.addEventListener("htmx:afterSwap", (event) => {
    const target = event.detail.target;
    if (!target?.matches?.(".column-cards")) return;
    target.dataset.loaded = "1";
    for (const card of cardsIn(target)) {
      if (shown.has(card)) continue;
      for (const old of shown) {
        if (old.dataset.dealId !== card.dataset.dealId) continue;
        const hadFocus = old.contains(document.activeElement);
        old.remove();
        if (hadFocus) card.focus();
      }
    }
    shown = new Set();
  });

  // ------------------------------------------------------------ the server round trip
  const FAILURES = {
    403: "You may not move this deal.",
    404: "That deal was not found; it may have been removed.",
  };

  async function send(card, fields, origin, options = {}) {
    const body = new FormData();
    body.append("stage", fields.stage);
    body.append("after", fields.after || "");
    body.append("before", fields.before || "");
    body.append("place", fields.place || "top");
    body.append("lost_reason", fields.lostReason || "");
    body.append("version", card.dataset.version || "");
    body.append("query", board.dataset.query || "");
    card.setAttribute("aria-busy", "true");
    let response;
    let data = {};
    try {
      response = await fetch(card.dataset.moveUrl, {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      });
      data = await response.json().catch(() => ({}));
    } catch {
      card.removeAttribute("aria-busy");
      revert(card, origin);
      toast("The server could not be reached. Check your connection.");
      return null;
    }
    card.removeAttribute("aria-busy");
    if (response.ok) {
      const fresh = replaceCard(card, data.card);
      applyColumns(data.columns);
      if (options.detach) {
        fresh.remove();
        announce(`${data.message} It is at the bottom of the column.`);
        return null;
      }
      const column = columnOf(data.stage_id);
      const index = cardsIn(fresh.parentElement).indexOf(fresh) + 1;
      const count = column?.dataset.count || cardsIn(fresh.parentElement).length;
      announce(`${data.message} Card ${index} of ${count} in ${column?.dataset.stageName || ""}.`);
      return fresh;
    }
    if (response.status === 409 && data.card) {
      const fresh = replaceCard(card, data.card);
      revert(fresh, origin);
      if (String(data.stage_id) !== origin?.list?.dataset.stageId) {
        const list = listOf(data.stage_id);
        if (list) list.prepend(fresh);
        else fresh.remove();
      }
      applyColumns(data.columns);
      toast(data.error);
      announce(data.error);
      return null;
    }
    revert(card, origin);
    if (response.status === 404) card.remove();
    const message = data.error || FAILURES[response.status] || "The deal could not be moved.";
    toast(message);
    announce(message);
    return null;
  }

  // ------------------------------------------------------------ the lost reason dialog
  function askReason(card) {
    const dialog = document.getElementById("lost-dialog");
    const form = dialog.querySelector("form");
    const input = form.elements.lost_reason;
    dialog.querySelector("[data-deal-name]").textContent = card.dataset.name;
    input.value = "";
    return new Promise((resolve) => {
      let answered = false;
      const finish = (value) => {
        if (answered) return;
        answered = true;
        form.removeEventListener("submit", onSubmit);
        form.removeEventListener("click", onClick);
        dialog.removeEventListener("close", onClose);
        if (dialog.open) dialog.close();
        resolve(value);
      };
      const onSubmit = (event) => {
        event.preventDefault();
        const reason = input.value.trim();
        if (!reason) {
          input.setCustomValidity("Say why the deal was lost.");
          input.reportValidity();
          input.setCustomValidity("");
          return;
        }
        finish(reason);
      };
      const onClick = (event) => {
        if (event.target.closest("[data-dialog-cancel]")) finish(null);
      };
      const onClose = () => finish(null);
      form.addEventListener("submit", onSubmit);
      form.addEventListener("click", onClick);
      dialog.addEventListener("close", onClose);
      dialog.showModal();
      input.focus();
    });
  }

  async function moveTo(card, fields, origin, options = {}) {
    const target = columnOf(fields.stage);
    const fromStage = origin?.list?.dataset.stageId || card.dataset.stageId;
    if (target?.dataset.kind === "lost" && String(fields.stage) !== String(fromStage)) {
      if (!fields.lostReason) {
        const reason = await askReason(card);
        if (reason === null) {
          revert(card, origin);
          card.focus();
          announce("Not moved.");
          return null;
        }
        fields.lostReason = reason;
      }
    }
    return send(card, fields, origin, options);
  }

  // ------------------------------------------------------------ drag and drop
  if (canMove && window.Sortable) {
    const origins = new WeakMap();
    for (const list of board.querySelectorAll(".column-cards")) {
      window.Sortable.create(list, {
        group: "deals",
        draggable: ".deal-card[data-movable]",
        filter: ".deal-move-btn",
        preventOnFilter: false,
        forceFallback: true,
        fallbackTolerance: 4,
        delayOnTouchOnly: true,
        delay: 180,
        animation: 120,
        ghostClass: "is-ghost",
        chosenClass: "is-chosen",
        dragClass: "is-dragging",
        onChoose(event) {
          origins.set(event.item, placeFrom(event.item));
        },
        onEnd(event) {
          const card = event.item;
          const origin = origins.get(card);
          if (event.from === event.to && event.oldIndex === event.newIndex) return;
          moveTo(card, { stage: event.to.dataset.stageId, ...neighbours(card) }, origin);
        },
      });
    }
  }

  // ------------------------------------------------------------ the Move dialog
  function openMoveDialog(card) {
    const dialog = document.getElementById("move-dialog");
    const form = dialog.querySelector("form");
    const reasonField = form.querySelector("[data-move-reason]");
    const reason = form.elements.lost_reason;
    const current = card.parentElement.dataset.stageId;
    dialog.querySelector("[data-deal-name]").textContent = card.dataset.name;
    for (const radio of form.querySelectorAll("input[name=stage]")) {
      radio.checked = radio.value === current;
    }
    form.querySelector("input[name=place][value=top]").checked = true;
    reason.value = "";
    const syncReason = () => {
      const chosen = form.querySelector("input[name=stage]:checked");
      const needs = chosen?.dataset.kind === "lost" && chosen.value !== current;
      reasonField.hidden = !needs;
      reason.required = needs;
    };
    syncReason();
    const finish = () => {
      form.removeEventListener("change", syncReason);
      form.removeEventListener("submit", onSubmit);
      form.removeEventListener("click", onClick);
      dialog.removeEventListener("close", onClose);
      if (dialog.open) dialog.close();
    };
    const onClose = () => {
      finish();
      card.focus();
    };
    const onClick = (event) => {
      if (event.target.closest("[data-dialog-cancel]")) onClose();
    };
    const onSubmit = (event) => {
      event.preventDefault();
      const stage = form.querySelector("input[name=stage]:checked")?.value;
      const place = form.querySelector("input[name=place]:checked")?.value || "top";
      if (!stage) return;
      if (!reasonField.hidden && !reason.value.trim()) {
        reason.setCustomValidity("Say why the deal was lost.");
        reason.reportValidity();
        reason.setCustomValidity("");
        return;
      }
      const lostReason = reasonField.hidden ? "" : reason.value.trim();
      finish();
      keyboardMove(card, stage, place, lostReason);
    };
    form.addEventListener("change", syncReason);
    form.addEventListener("submit", onSubmit);
    form.addEventListener("click", onClick);
    dialog.addEventListener("close", onClose);
    dialog.showModal();
    (form.querySelector("input[name=stage]:checked") || form.querySelector("input")).focus();
  }

  async function keyboardMove(card, stage, place, lostReason = "") {
    const list = listOf(stage);
    if (!list) return;
    const origin = placeFrom(card);
    const others = cardsIn(list).filter((other) => other !== card);
    const fields = { stage, place, lostReason, after: "", before: "" };
    let detach = false;
    if (place === "bottom") {
      if (hasMore(stage)) {
        detach = true; // the rest of the column is not loaded: the server places it
      } else {
        fields.after = others.at(-1)?.dataset.dealId || "";
      }
      list.append(card);
    } else {
      fields.before = others[0]?.dataset.dealId || "";
      list.prepend(card);
    }
    const fresh = await moveTo(card, fields, origin, { detach });
    (fresh || card).focus?.();
  }

  async function stepWithin(card, direction) {
    const other = sibling(card, direction);
    if (!other) {
      announce(direction < 0 ? "Already at the top." : "Already at the bottom of what is shown.");
      return;
    }
    const origin = placeFrom(card);
    const list = card.parentElement;
    list.insertBefore(card, direction < 0 ? other : other.nextElementSibling);
    const fresh = await moveTo(
      card,
      { stage: list.dataset.stageId, ...neighbours(card) },
      origin,
    );
    (fresh || card).focus?.();
  }

  function adjacentColumn(card, direction) {
    const all = columns();
    const index = all.indexOf(card.closest(".column"));
    return all[index + direction] || null;
  }

  function focusCard(card) {
    if (!card) return;
    card.focus();
    card.scrollIntoView({ block: "nearest", inline: "nearest" });
  }

  board.addEventListener("click", (event) => {
    const button = event.target.closest("[data-move]");
    if (!button) return;
    const card = button.closest(".deal-card");
    if (card) openMoveDialog(card);
  });

  board.addEventListener("keydown", (event) => {
    const card = event.target;
    if (!card.matches?.(".deal-card")) return;
    const movable = canMove && card.hasAttribute("data-movable");
    const key = event.key;
    let handled = true;
    if (event.altKey && movable && key.startsWith("Arrow")) {
      if (key === "ArrowUp") stepWithin(card, -1);
      else if (key === "ArrowDown") stepWithin(card, 1);
      else {
        const column = adjacentColumn(card, key === "ArrowLeft" ? -1 : 1);
        if (column) keyboardMove(card, column.dataset.stageId, "top");
        else announce("There is no stage further that way.");
      }
    } else if (event.altKey || event.ctrlKey || event.metaKey) {
      handled = false;
    } else if (key === "Enter") {
      card.querySelector(".deal-card-name")?.click();
    } else if ((key === "m" || key === "M") && movable) {
      openMoveDialog(card);
    } else if (key === "ArrowDown" || key === "ArrowUp") {
      focusCard(sibling(card, key === "ArrowUp" ? -1 : 1));
    } else if (key === "ArrowLeft" || key === "ArrowRight") {
      const step = key === "ArrowLeft" ? -1 : 1;
      const all = columns();
      let index = all.indexOf(card.closest(".column")) + step;
      const usable = (column) =>
        !column.classList.contains("is-collapsed") &&
        cardsIn(column.querySelector(".column-cards")).length > 0;
      while (all[index] && !usable(all[index])) index += step;
      if (all[index]) {
        const row = cardsIn(card.parentElement).indexOf(card);
        const targets = cardsIn(all[index].querySelector(".column-cards"));
        focusCard(targets[Math.min(row, targets.length - 1)]);
      }
    } else {
      handled = false;
    }
    if (handled) event.preventDefault();
  });
})();
