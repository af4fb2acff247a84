// Keel's shell: navigation drawer, menus, theme switch, toasts and the live connection.
// Everything here enhances server-rendered HTML that already works without it.
(() => {
  "use strict";

  const root = document.documentElement;
  const TOAST_MS = 6000;

  // ------------------------------------------------------------ navigation drawer (phones)
  function setNav(open) {
    const shell = document.getElementById("shell");
    const toggle = document.querySelector("[data-nav-toggle]");
    if (!shell || !toggle) return;
    shell.classList.toggle("nav-open", open);
    toggle.setAttribute("aria-expanded", String(open));
    toggle.setAttribute("aria-label", open ? "Close navigation" : "Open navigation");
    if (open) document.querySelector("#sidebar a")?.focus();
  }

  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-nav-toggle]")) {
      setNav(!document.getElementById("shell").classList.contains("nav-open"));
    } else if (event.target.closest("[data-nav-close]")) {
      setNav(false);
    }
  });

  // ------------------------------------------------------------ menus (<details data-menu>)
  document.addEventListener(
    "toggle",
    (event) => {
      const menu = event.target;
      if (menu.matches?.("details[data-menu]")) {
        menu.querySelector("summary")?.setAttribute("aria-expanded", String(menu.open));
      }
    },
    true,
  );

  document.addEventListener("click", (event) => {
    for (const menu of document.querySelectorAll("details[data-menu][open]")) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    }
  });

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    const menu = document.querySelector("details[data-menu][open]");
    if (menu) {
      menu.removeAttribute("open");
      menu.querySelector("summary")?.focus();
      return;
    }
    const shell = document.getElementById("shell");
    if (shell?.classList.contains("nav-open")) {
      setNav(false);
      document.querySelector("[data-nav-toggle]")?.focus();
    }
  });

  // ------------------------------------------------------------ theme switch
  // Applied at once; the form (htmx or a plain POST) remembers the choice on the server.
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-theme-switch] button[name=theme]");
    if (!button) return;
    root.dataset.theme = button.value;
    for (const other of button.form.querySelectorAll("button[name=theme]")) {
      other.setAttribute("aria-pressed", String(other === button));
    }
  });

  // ------------------------------------------------------------ toasts
  function scheduleDismiss(toast) {
    if (toast.dataset.scheduled || toast.classList.contains("toast-error")) return;
    toast.dataset.scheduled = "1";
    setTimeout(() => toast.remove(), TOAST_MS);
  }

  function showToast(html) {
    const region = document.getElementById("toasts");
    if (!region) return;
    region.insertAdjacentHTML("beforeend", html);
    region.querySelectorAll("[data-toast]").forEach(scheduleDismiss);
  }

  function showToastText(text, level) {
    const toast = document.createElement("div");
    toast.className = `toast toast-${level}`;
    toast.dataset.toast = "";
    const body = document.createElement("div");
    body.className = "toast-text";
    body.textContent = text;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "icon-btn";
    close.setAttribute("aria-label", "Dismiss");
    close.dataset.toastDismiss = "";
    close.textContent = "\u00d7";
    toast.append(body, close);
    document.getElementById("toasts")?.append(toast);
    scheduleDismiss(toast);
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-toast-dismiss]");
    if (button) button.closest("[data-toast]")?.remove();
  });

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("#toasts [data-toast]").forEach(scheduleDismiss);
    connectLive();
  });

  document.addEventListener("htmx:oobAfterSwap", () => {
    document.querySelectorAll("#toasts [data-toast]").forEach(scheduleDismiss);
  });

  document.addEventListener("htmx:responseError", (event) => {
    const status = event.detail.xhr.status;
    const text =
      status === 403 ? "You do not have access to that." :
      status === 404 ? "That was not found; it may have been removed." :
      status === 429 ? "Too many requests; wait a moment and try again." :
      status >= 500 ? "Something went wrong on our side. Try again in a moment." :
      "That could not be done. Check what you entered and try again.";
    showToastText(text, "error");
  });

  document.addEventListener("htmx:sendError", () => {
    showToastText("The server could not be reached. Check your connection.", "error");
  });

  // ------------------------------------------------------------ live connection
  // One websocket per page; messages are hints ({kind, html, data}). After a reconnect the
  // page is told (keel:live-reconnected) so it can fetch what it missed over HTTP.
  let attempts = 0;
  let connectedBefore = false;

  function connectLive() {
    const path = document.body.dataset.liveUrl;
    if (!path || !("WebSocket" in window)) return;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}${path}`);

    socket.addEventListener("open", () => {
      attempts = 0;
      if (connectedBefore) document.dispatchEvent(new CustomEvent("keel:live-reconnected"));
      connectedBefore = true;
      document.body.dataset.live = "connected";
    });

    socket.addEventListener("message", (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (message.kind === "toast" && message.html) showToast(message.html);
      document.dispatchEvent(new CustomEvent("keel:live", { detail: message }));
    });

    socket.addEventListener("close", (event) => {
      document.body.dataset.live = "disconnected";
      if (event.code === 4401) return; // signed out: do not retry
      attempts += 1;
      const delay = Math.min(30000, 500 * 2 ** Math.min(attempts, 6)) * (0.8 + Math.random() * 0.4);
      setTimeout(connectLive, delay);
    });
  }
})();
