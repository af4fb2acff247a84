// Companies and contacts: repeatable email/phone/address rows, the live duplicate check,
// the company picker and the custom-field settings (drag to reorder, options shown for
// choice types). Every page works without this script; it only saves round trips.
(() => {
  "use strict";

  // ------------------------------------------------ "Add another" rows without a reload
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-add-row]");
    if (!button) return;
    const set = button.closest("[data-points]");
    const template = set && set.querySelector("template[data-empty-row]");
    const total = set && set.querySelector("[data-total]");
    const rows = set && set.querySelector("[data-rows]");
    if (!template || !total || !rows) return;
    event.preventDefault();
    const index = Number.parseInt(total.value, 10) || 0;
    if (index >= 20) return;
    const html = template.innerHTML.replaceAll("__prefix__", String(index));
    const holder = document.createElement("div");
    holder.innerHTML = html.trim();
    const row = holder.firstElementChild;
    for (const none of rows.querySelectorAll("[data-none]")) none.remove();
    rows.append(row);
    total.value = String(index + 1);
    const radios = set.querySelectorAll('input[type="radio"]');
    if (radios.length === 1) radios[0].checked = true;
    const first = row.querySelector('input[type="email"], input[type="tel"], input[type="text"]');
    if (first) first.focus();
  });

  // ------------------------------------------------ live duplicate check on leaving a field
  const lastQuery = new WeakMap();
  const POINT_FIELDS = /^(emails-\d+-email|phones-\d+-number)$/;

  function watched(form, input) {
    const names = (form.dataset.duplicatesFields || "").split(" ");
    return names.includes(input.name) || POINT_FIELDS.test(input.name);
  }

  let pending = null;

  async function checkDuplicates(form) {
    if (!document.getElementById("record-duplicates")) return;
    const params = new URLSearchParams();
    const names = (form.dataset.duplicatesFields || "").split(" ");
    let meaningful = false;
    for (const element of form.elements) {
      if (!element.name || !element.value || !element.value.trim()) continue;
      if (names.includes(element.name) || POINT_FIELDS.test(element.name)) {
        params.append(element.name, element.value.trim());
        if (element.name !== "first_name") meaningful = true;
      }
    }
    if (!meaningful) return;
    const query = params.toString();
    if (lastQuery.get(form) === query) return;
    lastQuery.set(form, query);
    // Only the latest check may answer: an older, slower one is cancelled.
    if (pending) pending.abort();
    pending = new AbortController();
    try {
      const response = await fetch(`${form.dataset.duplicatesUrl}?${query}`, {
        headers: { "HX-Request": "true" },
        signal: pending.signal,
      });
      if (!response.ok) return;
      const html = await response.text();
      const target = document.getElementById("record-duplicates");
      if (target) target.outerHTML = html;
    } catch (error) {
      if (error.name !== "AbortError") lastQuery.delete(form);
    }
  }

  document.addEventListener("focusout", (event) => {
    const input = event.target;
    const form = input.form;
    if (!form || !form.matches("form[data-duplicates-url]")) return;
    if (form.dataset.exclude) return; // an edit: the record is already saved
    if (watched(form, input)) checkDuplicates(form);
  });

  // ------------------------------------------------ company picker: remember the picked id
  function syncCompany(input) {
    const hidden = input.form && input.form.elements.namedItem("company");
    const list = document.getElementById("company-options");
    if (!hidden || !list) return;
    const match = Array.from(list.options).find((option) => option.value === input.value);
    if (match && match.dataset.id) hidden.value = match.dataset.id;
    else if (hidden.value && input.dataset.pickedName !== input.value) hidden.value = "";
    if (match) input.dataset.pickedName = input.value;
  }

  document.addEventListener("input", (event) => {
    if (event.target.matches("[data-company-name]")) syncCompany(event.target);
  });
  document.addEventListener("change", (event) => {
    if (event.target.matches("[data-company-name]")) syncCompany(event.target);
  });
  for (const input of document.querySelectorAll("[data-company-name]")) {
    if (input.value) input.dataset.pickedName = input.value;
  }

  // ------------------------------------------------ custom fields: options for choice types
  function syncChoices(form) {
    const type = form.elements.namedItem("field_type");
    const box = form.querySelector("[data-choices-field]");
    if (!type || !box) return;
    box.hidden = !["choice", "multi_choice"].includes(type.value);
  }
  for (const form of document.querySelectorAll("[data-custom-field-form]")) {
    syncChoices(form);
    form.addEventListener("change", (event) => {
      if (event.target.name === "field_type") syncChoices(form);
    });
  }

  // ------------------------------------------------ custom fields: drag to reorder
  function csrfToken() {
    const input = document.querySelector('input[name="csrfmiddlewaretoken"]');
    return input ? input.value : "";
  }

  function syncMoveButtons(list) {
    const items = Array.from(list.children);
    items.forEach((item, index) => {
      const up = item.querySelector('button[value="up"]');
      const down = item.querySelector('button[value="down"]');
      if (up) up.disabled = index === 0;
      if (down) down.disabled = index === items.length - 1;
    });
  }

  function setUpSortable(list) {
    if (!window.Sortable) return;
    window.Sortable.create(list, {
      handle: ".drag-handle",
      animation: 120,
      onEnd: async () => {
        const body = new URLSearchParams({ entity: list.dataset.entity });
        for (const item of list.children) body.append("ids", item.dataset.id);
        syncMoveButtons(list);
        const response = await fetch(list.dataset.reorderUrl, {
          method: "POST",
          headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" },
          body,
        });
        if (!response.ok) window.location.reload();
      },
    });
  }

  function init() {
    for (const list of document.querySelectorAll("[data-sortable]")) setUpSortable(list);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
