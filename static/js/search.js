// The top bar's global search: a combobox whose listbox htmx fills as you type.
// "/" or Ctrl/Cmd+K focuses it; arrow keys move through the results (aria-activedescendant),
// Enter opens the chosen one (or, with none chosen, submits to the full results page),
// Escape closes the menu, then the phone overlay. Without JavaScript the form still
// submits to the results page.
(() => {
  "use strict";

  const MIN_LENGTH = 2;

  const root = () => document.querySelector("[data-topsearch]");
  const input = () => document.getElementById("topsearch-input");
  const listbox = () => document.getElementById("topsearch-results");

  function options() {
    const box = listbox();
    return box ? [...box.querySelectorAll('[role="option"]:not([aria-disabled="true"])')] : [];
  }

  function activeOption() {
    const id = input()?.getAttribute("aria-activedescendant");
    return id ? document.getElementById(id) : null;
  }

  function setActive(option) {
    const field = input();
    if (!field) return;
    for (const other of options()) {
      other.setAttribute("aria-selected", String(other === option));
      other.classList.toggle("is-active", other === option);
    }
    if (option) {
      field.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      field.removeAttribute("aria-activedescendant");
    }
  }

  function setOpen(open) {
    const field = input();
    const box = listbox();
    if (!field || !box) return;
    const show = open && box.children.length > 0;
    box.hidden = !show;
    field.setAttribute("aria-expanded", String(show));
    if (!show) setActive(null);
  }

  function isOpen() {
    return input()?.getAttribute("aria-expanded") === "true";
  }

  function announce(text) {
    const status = document.getElementById("topsearch-status");
    if (status) status.textContent = text;
  }

  // ---------------------------------------------------------------- phone overlay
  function setExpanded(expanded) {
    const box = root();
    const toggle = box?.querySelector("[data-topsearch-toggle]");
    if (!box || !toggle) return;
    box.classList.toggle("is-open", expanded);
    toggle.setAttribute("aria-expanded", String(expanded));
    if (expanded) {
      input()?.focus();
    } else {
      setOpen(false);
    }
  }

  function collapsible() {
    const toggle = root()?.querySelector("[data-topsearch-toggle]");
    return Boolean(toggle && toggle.offsetParent !== null);
  }

  function focusSearch() {
    if (collapsible()) setExpanded(true);
    const field = input();
    if (!field) return;
    field.focus();
    field.select();
    if (field.value.trim().length >= MIN_LENGTH && listbox()?.children.length) setOpen(true);
  }

  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-topsearch-toggle]")) {
      event.preventDefault();
      setExpanded(true);
    } else if (event.target.closest("[data-topsearch-close]")) {
      setExpanded(false);
      root()?.querySelector("[data-topsearch-toggle]")?.focus();
    } else if (!event.target.closest("[data-topsearch]")) {
      setOpen(false);
    }
  });

  // ---------------------------------------------------------------- shortcuts
  function typingIn(target) {
    return (
      target instanceof HTMLElement &&
      (target.isContentEditable || target.closest("input, textarea, select, [contenteditable]"))
    );
  }

  document.addEventListener("keydown", (event) => {
    if (!input()) return;
    const commandK = (event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "k";
    const slash = event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey;
    if (commandK || (slash && !typingIn(event.target))) {
      event.preventDefault();
      focusSearch();
    }
  });

  // ---------------------------------------------------------------- the combobox
  function move(step) {
    const all = options();
    if (!all.length) return;
    if (!isOpen()) setOpen(true);
    const index = all.indexOf(activeOption());
    const next = index === -1 ? (step > 0 ? 0 : all.length - 1) : (index + step + all.length) % all.length;
    setActive(all[next]);
  }

  document.addEventListener("keydown", (event) => {
    if (event.target !== input()) return;
    switch (event.key) {
      case "ArrowDown":
        event.preventDefault();
        move(1);
        break;
      case "ArrowUp":
        event.preventDefault();
        move(-1);
        break;
      case "Enter": {
        const option = isOpen() ? activeOption() : null;
        if (option) {
          event.preventDefault();
          window.location.assign(option.href);
        }
        // No choice: the form submits to the full results page.
        break;
      }
      case "Escape":
        if (isOpen()) {
          event.preventDefault();
          setOpen(false);
        } else if (root()?.classList.contains("is-open")) {
          event.preventDefault();
          setExpanded(false);
          root().querySelector("[data-topsearch-toggle]")?.focus();
        } else if (input().value) {
          event.preventDefault();
          input().value = "";
        }
        break;
      default:
    }
  });

  // Keep the focus in the field while the pointer picks a result (the link still opens).
  document.addEventListener("mousedown", (event) => {
    if (event.target.closest("#topsearch-results")) event.preventDefault();
  });

  document.addEventListener("mousemove", (event) => {
    const option = event.target.closest("#topsearch-results [role=option]");
    if (option && option.getAttribute("aria-disabled") !== "true" && option !== activeOption()) {
      setActive(option);
    }
  });

  document.addEventListener("focusin", (event) => {
    if (event.target === input() && event.target.value.trim().length >= MIN_LENGTH) setOpen(true);
  });

  document.addEventListener("focusout", (event) => {
    const box = root();
    if (box && box.contains(event.target) && !box.contains(event.relatedTarget)) setOpen(false);
  });

  // Too short to search: ask nothing and close the menu.
  document.addEventListener("htmx:beforeRequest", (event) => {
    if (event.detail.elt !== input()) return;
    if (input().value.trim().length < MIN_LENGTH) {
      event.preventDefault();
      listbox().replaceChildren();
      setOpen(false);
      announce("");
    }
  });

  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target !== listbox()) return;
    const found = options().filter((option) => !option.classList.contains("ts-page"));
    const hits = found.filter((option) => !option.classList.contains("ts-more")).length;
    setOpen(document.activeElement === input());
    announce(
      hits === 0
        ? "No results."
        : `${hits} ${hits === 1 ? "result" : "results"}. Use the up and down arrows to choose.`,
    );
  });

  // Coming back to the page (bfcache): start closed.
  window.addEventListener("pageshow", () => setOpen(false));
})();
