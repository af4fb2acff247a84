// Deal pages: the lost-reason dialog, the deal form (stage follows pipeline, lost reason,
// company and contact pickers) and the pipeline settings (add, order and remove stages).
(() => {
  "use strict";

  // ------------------------------------------------------------ close as lost (deal page)
  document.addEventListener("click", (event) => {
    const opener = event.target.closest("[data-lost-dialog]");
    if (opener) {
      const dialog = document.getElementById("lost-dialog");
      if (!dialog) return; // no dialog on the page: follow the link to the form page
      event.preventDefault();
      dialog.querySelector("[data-lost-stage]").value = opener.dataset.stage || "";
      dialog.returnFocus = opener;
      dialog.showModal();
      dialog.querySelector("input[name=lost_reason]")?.focus();
      return;
    }
    const cancel = event.target.closest("dialog [data-dialog-cancel]");
    if (cancel && !cancel.closest("#board-page, .board-page")) {
      const dialog = cancel.closest("dialog");
      dialog.close();
      dialog.returnFocus?.focus();
    }
  });

  // ------------------------------------------------------------ deal form: lost reason
  function syncLostReason() {
    const select = document.querySelector("select[data-stage-target]");
    const field = document.querySelector("[data-lost-reason-field]");
    if (!select || !field) return;
    const kind = select.selectedOptions[0]?.dataset.kind;
    field.hidden = kind !== "lost";
  }

  document.addEventListener("change", (event) => {
    if (event.target.matches?.("select[data-stage-target]")) syncLostReason();
  });
  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target?.matches?.("select[data-stage-target]")) syncLostReason();
  });
  document.addEventListener("DOMContentLoaded", syncLostReason);

  // ------------------------------------------------------------ record pickers
  function pick(button) {
    const picker = button.closest("[data-picker]");
    const chosen = picker.querySelector("[data-picker-chosen]");
    const name = picker.dataset.name;
    const value = button.dataset.value;
    const existing = chosen.querySelector(`input[value="${CSS.escape(value)}"]`);
    if (existing) {
      existing.checked = true;
    } else {
      if (!picker.hasAttribute("data-multiple")) chosen.replaceChildren();
      const item = document.createElement("li");
      item.className = "chip";
      const label = document.createElement("label");
      const input = document.createElement("input");
      input.type = "checkbox";
      input.name = name;
      input.value = value;
      input.checked = true;
      label.append(input, button.dataset.label);
      item.append(label);
      chosen.append(item);
    }
    if (!picker.hasAttribute("data-multiple")) {
      for (const other of chosen.querySelectorAll("input")) {
        if (other.value !== value) other.checked = false;
      }
    }
    const search = picker.querySelector("[data-picker-search]");
    search.value = "";
    picker.querySelector("[data-picker-results]").replaceChildren();
    search.focus();
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-picker] [data-pick]");
    if (button) pick(button);
  });

  document.addEventListener("change", (event) => {
    // A single picker keeps one ticked box.
    const input = event.target;
    const picker = input.closest?.("[data-picker]");
    if (!picker || picker.hasAttribute("data-multiple") || input.type !== "checkbox") return;
    if (input.checked) {
      for (const other of picker.querySelectorAll("[data-picker-chosen] input")) {
        if (other !== input) other.checked = false;
      }
    }
  });

  document.addEventListener("keydown", (event) => {
    const search = event.target.closest?.("[data-picker-search]");
    if (!search) return;
    const picker = search.closest("[data-picker]");
    const first = picker.querySelector("[data-picker-results] [data-pick]");
    if (event.key === "Enter") {
      event.preventDefault(); // never submit the deal form from the search box
      if (first) pick(first);
    } else if (event.key === "ArrowDown" && first) {
      event.preventDefault();
      first.focus();
    } else if (event.key === "Escape") {
      picker.querySelector("[data-picker-results]").replaceChildren();
    }
  });

  document.addEventListener("keydown", (event) => {
    const option = event.target.closest?.("[data-picker-results] [data-pick]");
    if (!option || (event.key !== "ArrowDown" && event.key !== "ArrowUp")) return;
    event.preventDefault();
    const options = [...option.closest("[data-picker-results]").querySelectorAll("[data-pick]")];
    const index = options.indexOf(option) + (event.key === "ArrowDown" ? 1 : -1);
    if (index < 0) option.closest("[data-picker]").querySelector("[data-picker-search]").focus();
    else options[Math.min(index, options.length - 1)].focus();
  });

  // ------------------------------------------------------------ pipeline settings: stages
  const rows = document.querySelector("[data-stage-rows]");
  if (!rows) return;
  const total = document.querySelector("input[name=stages-TOTAL_FORMS]");
  const template = document.getElementById("stage-row-template");

  function renumber() {
    const items = [...rows.querySelectorAll(":scope > .stage-row")];
    items.forEach((row, index) => {
      for (const element of row.querySelectorAll("[name], [id], [for]")) {
        for (const attr of ["name", "id", "for"]) {
          const value = element.getAttribute(attr);
          if (value) element.setAttribute(attr, value.replace(/stages-(\d+|__prefix__)-/, `stages-${index}-`));
        }
      }
      const label = row.querySelector("[data-row-label]");
      if (label) label.textContent = `Stage ${index + 1}`;
    });
    total.value = String(items.length);
  }

  function announce(text) {
    const live = document.getElementById("stage-live");
    if (live) live.textContent = text;
  }

  rows.addEventListener("click", (event) => {
    const button = event.target.closest("[data-row-up], [data-row-down]");
    if (!button) return;
    const row = button.closest(".stage-row");
    const up = button.hasAttribute("data-row-up");
    const other = up ? row.previousElementSibling : row.nextElementSibling;
    if (!other) return;
    rows.insertBefore(row, up ? other : other.nextElementSibling);
    renumber();
    button.focus();
    const name = row.querySelector("input[name$='-name']")?.value || "The stage";
    const position = [...rows.children].indexOf(row) + 1;
    announce(`${name} moved to position ${position}.`);
  });

  document.querySelector("[data-add-stage]")?.addEventListener("click", () => {
    const fragment = template.content.cloneNode(true);
    const row = fragment.querySelector(".stage-row");
    // New stages go before the won and lost ones.
    const closed = [...rows.querySelectorAll(":scope > .stage-row")].find((item) => {
      const kind = item.querySelector("select[name$='-kind']")?.value;
      return kind === "won" || kind === "lost";
    });
    rows.insertBefore(row, closed || null);
    renumber();
    row.querySelector("input[name$='-name']")?.focus();
  });

  if (window.Sortable) {
    window.Sortable.create(rows, {
      handle: ".stage-handle",
      animation: 120,
      forceFallback: true,
      onEnd: renumber,
    });
  }
})();
