// The timeout warning (GOV.UK pattern): a modal dialog shortly before an idle session ends, with
// how long is left and a "Stay signed in" button. Progressive enhancement only: the dialog is in
// the page of a signed-in person but stays closed without JavaScript, where nothing changes.
//
// <body> says how long a session may be idle (data-session-idle-seconds) and how long before
// that the dialog opens (data-session-warning-seconds). The time is counted from the page's
// request, and from any later request a script makes (suggested-grade.js, for one), which
// announces it with an "app:server-contact" event whose detail.sentAt is when it was sent.
(() => {
  const dialog = document.getElementById("timeout-warning");
  const body = document.body;
  const idleSeconds = Number(body.dataset.sessionIdleSeconds);
  const warningSeconds = Number(body.dataset.sessionWarningSeconds);
  if (!dialog || typeof dialog.showModal !== "function") return;
  if (!(idleSeconds > 0) || !(warningSeconds > 0)) return;

  const form = dialog.querySelector("form[data-keep-alive]");
  const heading = dialog.querySelector("#timeout-warning-heading");
  const message = dialog.querySelector("#timeout-warning-message");
  const stayButton = dialog.querySelector("[data-stay-signed-in]");
  const signOutButton = dialog.querySelector("[data-sign-out]");
  const signInLink = dialog.querySelector("[data-sign-in-again]");
  const closeButton = dialog.querySelector("[data-close]");
  const lead = Math.min(warningSeconds, idleSeconds) * 1000;
  const idle = idleSeconds * 1000;

  // When the server last heard from this page: its request began at navigation start at the
  // latest, so counting from there ends the count a little early, never late.
  let lastContact = Date.now() - performance.now();
  let announced = "";
  let expired = false;
  let returnFocusTo = null;

  const plural = (count, unit) => `${count} ${unit}${count === 1 ? "" : "s"}`;

  // Said sparingly, so that a screen reader is not interrupted every second: whole minutes,
  // then every 15 seconds in the last minute.
  const timeLeftText = (milliseconds) => {
    const seconds = Math.max(0, Math.ceil(milliseconds / 1000));
    if (seconds > 60) return plural(Math.ceil(seconds / 60), "minute");
    return plural(Math.max(15, Math.ceil(seconds / 15) * 15), "second");
  };

  const say = (text) => {
    if (text !== announced) {
      announced = text;
      message.textContent = text;
    }
  };

  const warn = (remaining) => {
    say(
      `You will be signed out in ${timeLeftText(remaining)} if you do nothing. ` +
        "We do this to keep case information secure.",
    );
  };

  const open = () => {
    if (dialog.open) return;
    returnFocusTo = document.activeElement;
    dialog.showModal(); // moves focus into the dialog, and keeps it there until it closes
  };

  const close = () => {
    if (!dialog.open) return;
    dialog.close();
    if (returnFocusTo && typeof returnFocusTo.focus === "function" && returnFocusTo.isConnected) {
      returnFocusTo.focus();
    }
  };

  const showSignedOut = () => {
    expired = true;
    heading.textContent = "You have been signed out";
    say(
      `You were inactive for ${plural(Math.round(idleSeconds / 60), "minute")}, so you have ` +
        "been signed out to keep case information secure. Sign in again to carry on.",
    );
    stayButton.hidden = true;
    signOutButton.hidden = true;
    signInLink.hidden = false;
    closeButton.hidden = false;
    open();
    signInLink.focus();
  };

  const tick = () => {
    if (expired) return;
    const remaining = lastContact + idle - Date.now();
    if (remaining <= 0) {
      showSignedOut();
    } else if (remaining <= lead) {
      warn(remaining);
      open();
    } else if (dialog.open) {
      close();
    }
  };

  const contact = (sentAt) => {
    lastContact = Math.max(lastContact, sentAt);
    tick();
  };

  const stay = async () => {
    const sentAt = Date.now();
    stayButton.disabled = true;
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        // An ended session answers with a redirect to sign in: not followed, so that the page
        // that says why is left for the person to see when they go there.
        redirect: "manual",
      });
      if (response.status === 204) {
        announced = "";
        contact(sentAt);
      } else {
        showSignedOut(); // sent to the sign-in page: the session had already ended
      }
    } catch {
      say("The service could not be reached. Check your connection, then try again.");
    } finally {
      stayButton.disabled = false;
    }
  };

  form.addEventListener("submit", (event) => {
    // "Sign out" submits the same form to the sign-out page, as without script.
    if (event.submitter === signOutButton) return;
    event.preventDefault();
    if (!expired) stay();
  });

  // Escape: while the session can still be kept, it means "Stay signed in".
  dialog.addEventListener("cancel", (event) => {
    if (expired) return;
    event.preventDefault();
    stay();
  });

  closeButton.addEventListener("click", close);
  document.addEventListener("app:server-contact", (event) => {
    contact(event.detail && event.detail.sentAt ? event.detail.sentAt : Date.now());
  });
  // Timers are slowed in background tabs and stop while a laptop sleeps: look again on return.
  document.addEventListener("visibilitychange", tick);
  window.setInterval(tick, 1000);
  tick();
})();
