// Leads: the live duplicate check on the lead form, the deal part of the conversion form,
// and the copy buttons of the web-form page. The pages work without it.
(() => {
  "use strict";

  // ------------------------------------------------ duplicate check on leaving email/phone
  const CHECKED = ["email", "phone"];
  const SENT = ["first_name", "last_name", "company_name", "email", "phone", "website"];
  const lastQuery = new WeakMap();

  function checkDuplicates(form) {
    const url = form.dataset.duplicatesUrl;
    const target = document.getElementById("lead-duplicates");
    if (!url || !target || !window.htmx) return;
    const params = new URLSearchParams();
    for (const name of SENT) {
      const input = form.elements.namedItem(name);
      if (input && input.value.trim()) params.set(name, input.value.trim());
    }
    if (!params.has("email") && !params.has("phone")) return;
    if (form.dataset.exclude) params.set("exclude", form.dataset.exclude);
    const query = params.toString();
    if (lastQuery.get(form) === query) return;
    lastQuery.set(form, query);
    window.htmx.ajax("GET", `${url}?${query}`, { target, swap: "outerHTML" });
  }

  document.addEventListener("focusout", (event) => {
    const input = event.target;
    const form = input.form;
    if (!form || !form.matches("form[data-duplicates-url]")) return;
    if (CHECKED.includes(input.name)) checkDuplicates(form);
  });

  // ------------------------------------------------ conversion: deal fields and stages
  function syncDealFields() {
    const box = document.getElementById("id_create_deal");
    const fields = document.querySelector("[data-deal-fields]");
    if (!box || !fields) return;
    fields.hidden = !box.checked;
    box.setAttribute("aria-expanded", String(box.checked));
  }

  function syncStages(keepSelection) {
    const pipeline = document.getElementById("id_pipeline");
    const stage = document.querySelector("[data-stage-select]");
    if (!pipeline || !stage) return;
    let firstVisible = null;
    let selectedVisible = false;
    for (const group of stage.querySelectorAll("optgroup")) {
      const match = group.dataset.pipeline === pipeline.value;
      group.hidden = !match;
      group.disabled = !match;
      if (match) {
        firstVisible = group.querySelector("option");
        selectedVisible = Boolean(group.querySelector("option:checked"));
      }
    }
    if (!(keepSelection && selectedVisible) && firstVisible) firstVisible.selected = true;
  }

  document.addEventListener("change", (event) => {
    if (event.target.id === "id_create_deal") syncDealFields();
    if (event.target.id === "id_pipeline") syncStages(false);
  });

  // ------------------------------------------------ copy buttons
  async function copy(button) {
    const source = document.getElementById(button.dataset.copy);
    if (!source) return;
    let ok = false;
    try {
      await navigator.clipboard.writeText(source.value);
      ok = true;
    } catch {
      source.select();
      ok = document.execCommand?.("copy") ?? false;
    }
    const label = button.querySelector("[data-copy-label]");
    const status = document.getElementById("copy-status");
    const message = ok ? "Copied" : "Select the text and copy it";
    if (status) status.textContent = ok ? "Copied to the clipboard." : message;
    if (label) {
      const original = label.dataset.original || label.textContent;
      label.dataset.original = original;
      label.textContent = message;
      setTimeout(() => { label.textContent = original; }, 2000);
    }
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-copy]");
    if (button) copy(button);
  });

  function init() {
    syncDealFields();
    syncStages(true);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
