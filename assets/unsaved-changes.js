// Leaving a page with unsaved changes asks first. Progressive enhancement only.
//
// Watched: every form marked data-warn-unsaved, and, on a page whose <body> is marked
// data-warn-unsaved (an audit's theme pages and its overall judgement), every form in <main>
// that posts. Leaving asks when a field differs from what the page loaded with, or the page
// shows answers refused for an error, and the form is not being submitted (submitting saves
// it, or shows it again with the answers kept).
(() => {
  const forms = new Set(document.querySelectorAll("form[data-warn-unsaved]"));
  if (document.body.hasAttribute("data-warn-unsaved")) {
    for (const form of document.querySelectorAll("main form")) {
      if (form.method === "post") forms.add(form);
    }
  }
  if (forms.size === 0) return;

  // What the form would send, without its CSRF token (the same whenever it is read).
  const state = (form) =>
    JSON.stringify(
      Array.from(new FormData(form))
        .filter(([name]) => name !== "csrf_token")
        .map(([name, value]) => [name, typeof value === "string" ? value : value.name]),
    );

  // A page shown again with an error summary holds what was typed, which was not saved: leaving
  // it asks even before anything else changes.
  const unsavedAtLoad = document.querySelector(".govuk-error-summary") !== null;
  const loaded = new Map(Array.from(forms, (form) => [form, state(form)]));
  let submitting = false;

  for (const form of forms) {
    form.addEventListener("submit", (event) => {
      submitting = true;
      // Unless another script stopped it, after all.
      window.setTimeout(() => {
        if (event.defaultPrevented) submitting = false;
      }, 0);
    });
  }

  window.addEventListener("pageshow", () => {
    submitting = false; // back to this page from the next one
  });

  window.addEventListener("beforeunload", (event) => {
    if (submitting) return;
    const changed =
      unsavedAtLoad || Array.from(forms).some((form) => state(form) !== loaded.get(form));
    if (!changed) return;
    event.preventDefault();
    event.returnValue = ""; // older browsers ask only when this is set
  });
})();
