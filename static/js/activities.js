// Activities: forms that answer htmx with their own errors (log activity, add task) and
// focus kept in place when a task row or a form is swapped. Pages work without it.
(() => {
  "use strict";
  if (window.keelActivities) return; // panels include this file more than once
  window.keelActivities = true;

  // A 400 from a form marked data-keep-errors carries the form with its errors: swap it in
  // (HX-Retarget points at the form) instead of treating it as a failure.
  document.addEventListener("htmx:beforeSwap", (event) => {
    const source = event.detail.requestConfig?.elt || event.detail.elt;
    if (event.detail.xhr.status === 400 && source?.closest?.("[data-keep-errors]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // Focus must not fall back to the page when the element holding it is replaced.
  let focusedRow = null;
  let focusedForm = null;
  document.addEventListener("htmx:beforeRequest", (event) => {
    const elt = event.detail.elt;
    focusedRow = elt.closest?.(".task-row")?.id || null;
    focusedForm = elt.matches?.("form[data-keep-errors]") ? elt.id : null;
  });

  document.addEventListener("htmx:afterSettle", () => {
    if (document.activeElement && document.activeElement !== document.body) return;
    if (focusedRow) {
      const row = document.getElementById(focusedRow);
      row?.querySelector(".task-check, a")?.focus();
    } else if (focusedForm) {
      const form = document.getElementById(focusedForm);
      const invalid = form?.querySelector("[aria-invalid='true'], .has-error input, .has-error textarea");
      (invalid || form?.querySelector("input[type='text'], textarea"))?.focus();
    }
    focusedRow = focusedForm = null;
  });
})();
