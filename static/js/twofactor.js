// Passkeys (WebAuthn) on the two-factor pages: forms marked data-passkey="register" or
// "authenticate". The server sends the options and checks the answer (accounts/twofactor.py);
// @simplewebauthn/browser (vendored) talks to the browser. Without WebAuthn the forms stay
// hidden and the note marked data-passkey-unsupported stays visible.
(() => {
  "use strict";
  const lib = window.SimpleWebAuthnBrowser;
  const supported = Boolean(lib && lib.browserSupportsWebAuthn && lib.browserSupportsWebAuthn());
  const forms = document.querySelectorAll("form[data-passkey]");
  if (supported) {
    document.querySelectorAll("[data-passkey-unsupported]").forEach((note) => { note.hidden = true; });
  }

  async function post(url, form, body) {
    const token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": token },
      body: JSON.stringify(body || {}),
    });
    let data = {};
    try { data = await response.json(); } catch (error) { data = {}; }
    return { ok: response.ok, data };
  }

  function say(form, text) {
    const out = form.querySelector("[data-passkey-status]");
    if (!out) return;
    out.textContent = text;
    out.hidden = !text;
  }

  forms.forEach((form) => {
    if (!supported) return;
    form.hidden = false;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const mode = form.dataset.passkey;
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      say(form, "");
      try {
        const options = await post(form.dataset.optionsUrl, form, {});
        if (options.data.redirect) { window.location.assign(options.data.redirect); return; }
        if (!options.ok) throw new Error(options.data.error || "Keel could not start the passkey request.");
        const credential = mode === "register"
          ? await lib.startRegistration({ optionsJSON: options.data })
          : await lib.startAuthentication({ optionsJSON: options.data });
        const body = { credential };
        const name = form.querySelector("[name=name]");
        if (name) body.name = name.value;
        const next = form.querySelector("[name=next]");
        if (next) body.next = next.value;
        const result = await post(form.action, form, body);
        if (result.ok && result.data.redirect) { window.location.assign(result.data.redirect); return; }
        throw new Error(result.data.error || "The passkey was not accepted.");
      } catch (error) {
        say(form, error && error.name === "NotAllowedError"
          ? "The passkey request was cancelled or timed out."
          : (error && error.message) || String(error));
        button.disabled = false;
      }
    });
  });
})();
