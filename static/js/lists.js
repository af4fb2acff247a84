// Record lists: row selection for bulk actions, the bulk value field, select-all-matching.
(function () {
  "use strict";

  function setup(root) {
    var form = root.querySelector("#bulk-form");
    if (!form || form.dataset.ready) return;
    form.dataset.ready = "1";
    var pageBox = form.querySelector("#select-page");
    var count = form.querySelector("#bulk-count");
    var allButton = form.querySelector("#bulk-select-all");
    var allInput = form.querySelector("#bulk-all");
    var actionSelect = form.querySelector("#bulk-action");
    var boxes = function () { return Array.prototype.slice.call(form.querySelectorAll('input[name="ids"]')); };

    function refresh() {
      var all = boxes();
      var chosen = all.filter(function (b) { return b.checked; }).length;
      if (allInput && allInput.value === "1") {
        count.textContent = "All " + (form.dataset.exact === "1" ? "" : "about ") + Number(form.dataset.total).toLocaleString() + " matching selected";
      } else if (count) {
        count.textContent = chosen ? chosen + " selected" : "No rows selected";
      }
      if (pageBox) {
        pageBox.checked = all.length > 0 && chosen === all.length;
        pageBox.indeterminate = chosen > 0 && chosen < all.length;
      }
      if (allButton) allButton.hidden = !(pageBox && pageBox.checked && Number(form.dataset.total) > all.length && allInput.value !== "1");
    }

    if (pageBox) {
      pageBox.addEventListener("change", function () {
        boxes().forEach(function (b) { b.checked = pageBox.checked; });
        if (!pageBox.checked && allInput) allInput.value = "0";
        refresh();
      });
    }
    form.addEventListener("change", function (event) {
      if (event.target.name === "ids") {
        if (!event.target.checked && allInput) allInput.value = "0";
        refresh();
      }
    });
    if (allButton) {
      allButton.addEventListener("click", function () {
        allInput.value = "1";
        boxes().forEach(function (b) { b.checked = true; });
        refresh();
      });
    }
    if (actionSelect) {
      actionSelect.addEventListener("change", function () {
        form.querySelectorAll(".bulk-value").forEach(function (wrap) {
          var active = wrap.dataset.for === actionSelect.value;
          wrap.hidden = !active;
          wrap.querySelectorAll("input, select").forEach(function (el) { el.disabled = !active; });
        });
      });
    }
    refresh();
  }

  document.addEventListener("DOMContentLoaded", function () { setup(document); });
  document.addEventListener("htmx:afterSettle", function () { setup(document); });

  // Keep the export link in step with the filters after htmx updates the URL.
  document.addEventListener("htmx:pushedIntoHistory", function () {
    var link = document.getElementById("export-link");
    if (!link) return;
    var params = new URLSearchParams(window.location.search);
    params.delete("page");
    params.set("export", "csv");
    link.href = "?" + params.toString();
  });
})();

// The "save view" form stores the list's current query (htmx changes it without a reload).
document.addEventListener("htmx:pushedIntoHistory", function () {
  var params = new URLSearchParams(window.location.search);
  ["page", "view", "export"].forEach(function (key) { params.delete(key); });
  document.querySelectorAll('.menu-form input[name="query"]').forEach(function (input) {
    input.value = params.toString();
  });
});
