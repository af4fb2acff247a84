// The notification bell (notifications app): its count and dropdown follow the live
// connection (shell.js dispatches keel:live for every message). Notifications are stored
// before they are pushed, so after a reconnect the bell asks the server what arrived since
// the newest id it has seen, and nothing is lost while the page was offline.
(() => {
  "use strict";
  const bell = document.querySelector("[data-notifications]");
  if (!bell) return;
  const summary = bell.querySelector("[data-notification-summary]");
  const badge = bell.querySelector("[data-notification-count]");
  const panel = bell.querySelector("[data-notification-panel]");
  let lastId = Number(bell.dataset.lastId || 0);
  let loaded = false;

  function setCount(unread) {
    const count = Number(unread) || 0;
    badge.textContent = count > 99 ? "99+" : String(count);
    badge.hidden = count === 0;
    summary.setAttribute("aria-label", `Notifications, ${count} unread`);
    bell.dataset.unread = String(count);
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function lists() {
    return document.querySelectorAll("[data-notification-items]");
  }

  function prepend(id, html) {
    lastId = Math.max(lastId, Number(id) || 0);
    lists().forEach((list) => {
      if (list.querySelector(`[data-notification-id="${id}"]`)) return;
      const holder = document.createElement("template");
      holder.innerHTML = html.trim();
      const item = holder.content.firstElementChild;
      if (!item) return;
      // Rendered for the push without a request: the page's own CSRF token goes in.
      item.querySelectorAll("[data-csrf-fill]").forEach((input) => { input.value = csrfToken(); });
      list.prepend(item);
      if (window.htmx) window.htmx.process(item);
    });
    document.querySelectorAll("[data-notification-empty]").forEach((note) => { note.hidden = true; });
  }

  function desktop(text) {
    // The tab is open but not looked at: the system's notification, if the person allowed it.
    if (!document.hidden || !("Notification" in window) || Notification.permission !== "granted") return;
    try { new Notification(text); } catch (error) { /* some browsers allow it only from a worker */ }
  }

  async function load() {
    const response = await fetch(bell.dataset.menuUrl, { credentials: "same-origin" });
    if (!response.ok) return;
    panel.innerHTML = await response.text();
    if (window.htmx) window.htmx.process(panel);
    loaded = true;
  }

  bell.addEventListener("toggle", () => { if (bell.open && !loaded) load(); });
  // Marking one read here (htmx) says the new count in an HX-Trigger event.
  document.body.addEventListener("notification-count", (event) => setCount(event.detail.unread));

  // The notifications page offers to turn the system's notifications on (the browser asks).
  const desktopBox = document.querySelector("[data-desktop-notifications]");
  function showDesktopState() {
    if (!desktopBox || !("Notification" in window)) return;
    desktopBox.hidden = false;
    const state = desktopBox.querySelector("[data-desktop-state]");
    const button = desktopBox.querySelector("[data-desktop-enable]");
    if (Notification.permission === "granted") {
      state.textContent = "On: when a notification arrives while Keel's tab is in the background, your system shows it.";
      button.hidden = true;
    } else if (Notification.permission === "denied") {
      state.textContent = "Blocked in this browser's site settings: allow notifications for this site there to turn them on.";
      button.hidden = true;
    }
  }
  if (desktopBox) {
    showDesktopState();
    desktopBox.querySelector("[data-desktop-enable]").addEventListener("click", async () => {
      try { await Notification.requestPermission(); } catch (error) { /* older browsers */ }
      showDesktopState();
    });
  }

  document.addEventListener("keel:live", (event) => {
    const message = event.detail || {};
    const data = message.data || {};
    if (message.kind === "notification") {
      setCount(data.unread);
      if (message.html) prepend(data.id, message.html);
      if (data.title) desktop(data.title);
    } else if (message.kind === "notification-count") {
      setCount(data.unread);
    }
  });

  document.addEventListener("keel:live-reconnected", async () => {
    const url = `${bell.dataset.sinceUrl}?after=${encodeURIComponent(lastId)}`;
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const data = await response.json();
    setCount(data.unread);
    (data.items || []).forEach((item) => prepend(item.id, item.html));
  });
})();
