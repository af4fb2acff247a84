// Calendar: drag an item to another day (month) or day and hour (week) to reschedule it.
// The move is shown at once, saved with a POST, and put back with a message if the server
// refuses. Each item's own page has a reschedule field for keyboards and touch screens.
(() => {
  "use strict";

  const TOAST_MS = 6000;

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch {
      return "";
    }
  }

  function toast(text, level) {
    const region = document.getElementById("toasts");
    if (!region) return;
    const box = document.createElement("div");
    box.className = `toast toast-${level}`;
    box.dataset.toast = "";
    const body = document.createElement("div");
    body.className = "toast-text";
    body.textContent = text;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "icon-btn";
    close.setAttribute("aria-label", "Dismiss");
    close.dataset.toastDismiss = "";
    close.textContent = "\u00d7";
    box.append(body, close);
    region.append(box);
    if (level !== "error") setTimeout(() => box.remove(), TOAST_MS);
  }

  function announce(text) {
    const status = document.getElementById("cal-status");
    if (status) status.textContent = text;
  }

  // ------------------------------------------------------------ drag and drop
  let dragged = null; // {item, entry, parent, next}

  document.addEventListener("dragstart", (event) => {
    const item = event.target.closest?.(".cal-item[draggable='true']");
    if (!item) return;
    const entry = item.closest(".cal-entry");
    dragged = { item, entry, parent: entry.parentElement, next: entry.nextElementSibling };
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.id);
    item.classList.add("is-moving");
  });

  document.addEventListener("dragend", () => {
    if (dragged && !dragged.saving) dragged.item.classList.remove("is-moving");
    for (const cell of document.querySelectorAll(".is-drop-target")) cell.classList.remove("is-drop-target");
  });

  document.addEventListener("dragover", (event) => {
    const cell = event.target.closest?.(".cal-drop");
    if (!cell || !dragged) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (!cell.classList.contains("is-drop-target")) {
      for (const other of document.querySelectorAll(".is-drop-target")) other.classList.remove("is-drop-target");
      cell.classList.add("is-drop-target");
    }
  });

  document.addEventListener("dragleave", (event) => {
    const cell = event.target.closest?.(".cal-drop");
    if (cell && !cell.contains(event.relatedTarget)) cell.classList.remove("is-drop-target");
  });

  document.addEventListener("drop", (event) => {
    const cell = event.target.closest?.(".cal-drop");
    if (!cell || !dragged) return;
    event.preventDefault();
    cell.classList.remove("is-drop-target");
    const move = dragged;
    if (move.parent === cell.querySelector(".cal-items")) {
      move.item.classList.remove("is-moving");
      dragged = null;
      return;
    }
    save(move, cell);
  });

  function params(item, cell) {
    const body = new URLSearchParams({ date: cell.dataset.date });
    if (cell.dataset.hour !== undefined) {
      const minute = item.dataset.minute || "00";
      body.set("time", `${String(cell.dataset.hour).padStart(2, "0")}:${minute}`);
    } else if (cell.dataset.allDay && item.dataset.kind === "task") {
      body.set("time", ""); // the all-day row: the task becomes due on the day
    } else {
      body.set("keep_time", "on"); // month view: same time of day, another day
    }
    return body;
  }

  async function save(move, cell) {
    const { item, entry } = move;
    move.saving = true;
    cell.querySelector(".cal-items").append(entry);
    let ok = false;
    let message = "The item could not be moved.";
    try {
      const response = await fetch(item.dataset.moveUrl, {
        method: "POST",
        headers: {
          "X-CSRFToken": csrfToken(),
          Accept: "application/json",
          "Content-Type": "application/x-www-form-urlencoded",
        },
        body: params(item, cell),
        credentials: "same-origin",
      });
      const data = await response.json().catch(() => ({}));
      ok = response.ok && data.ok;
      if (ok) {
        message = data.message || "Moved.";
        const time = item.querySelector("[data-time]");
        if (time && data.time !== undefined) time.textContent = data.time;
        if (data.all_day !== undefined) item.dataset.allDay = data.all_day ? "1" : "0";
      } else if (data.error) {
        message = data.error;
      } else if (response.status === 404) {
        message = "That item was not found; it may have been removed.";
      } else if (response.status === 403) {
        message = "You may not move that item.";
      }
    } catch {
      message = "The server could not be reached; the item was not moved.";
    }
    item.classList.remove("is-moving");
    move.saving = false;
    if (!ok) move.parent.insertBefore(entry, move.next && move.next.parentElement === move.parent ? move.next : null);
    if (dragged === move) dragged = null;
    announce(message);
    toast(message, ok ? "success" : "error");
    item.focus();
  }

  // ------------------------------------------------------------ filter and week scroll
  document.addEventListener("change", (event) => {
    const select = event.target;
    if (select.matches?.("form[data-autosubmit] select")) select.form.requestSubmit();
  });

  function init() {
    for (const button of document.querySelectorAll("[data-js-hide]")) button.hidden = true;
    const scroller = document.querySelector(".cal-week-scroll");
    if (scroller) {
      const row = scroller.querySelector(`tr[data-hour="${scroller.dataset.firstHour}"]`);
      const head = scroller.querySelector("thead");
      const allDay = scroller.querySelector(".cal-allday");
      // The all-day row stays in view under the day names (keel activities.css).
      if (head) scroller.style.setProperty("--cal-head", `${head.offsetHeight}px`);
      if (row) scroller.scrollTop = row.offsetTop - (head?.offsetHeight || 0) - (allDay?.offsetHeight || 0);
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
