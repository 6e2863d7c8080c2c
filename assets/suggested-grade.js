// The suggested grade follows the answers on a theme page as they change, before they are
// saved. Progressive enhancement only: without JavaScript the grade is worked out when the page
// is saved, as before.
//
// The form says where to ask (data-suggestion-url); the server scores the fields it is sent and
// stores nothing. The grade is shown in the element with id="suggested-grade", its percent just
// after it, and the whole sentence is said by a polite live region, for screen readers.
(() => {
  const form = document.querySelector("form[data-suggestion-url]");
  const grade = document.getElementById("suggested-grade");
  if (!form || !grade || !window.fetch || !window.AbortController) return;
  const url = form.dataset.suggestionUrl;

  // The percent, " (62.3%)", follows the grade as text; give it an element of its own.
  const percent = document.createElement("span");
  percent.dataset.suggestedPercent = "";
  const after = grade.nextSibling;
  const PERCENT = /^\s*\(\d+(\.\d+)?%\)/;
  if (after && after.nodeType === Node.TEXT_NODE && PERCENT.test(after.textContent)) {
    const [shown] = after.textContent.match(PERCENT);
    percent.textContent = shown;
    after.textContent = after.textContent.slice(shown.length);
  }
  grade.after(percent);

  // In the page from the start, empty: a live region that appears with its words is not read.
  const status = document.createElement("p");
  status.className = "govuk-visually-hidden";
  status.setAttribute("aria-live", "polite");
  status.dataset.suggestedGradeStatus = "";
  (grade.closest("p") || grade).after(status);

  const fields = () => new FormData(form);
  const key = (data) =>
    JSON.stringify(Array.from(data).filter(([name]) => name !== "csrf_token"));

  let asked = key(fields());
  let pending = null;
  let timer = null;

  const ask = async () => {
    const data = fields();
    const now = key(data);
    if (now === asked) return;
    asked = now;
    if (pending) pending.abort(); // only the latest answers matter
    pending = new AbortController();
    const sentAt = Date.now();
    try {
      const response = await fetch(url, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        // A session that has ended answers with a redirect to sign in: leave the page as it is,
        // so that saving keeps the answers until the auditor signs in again.
        redirect: "manual",
        signal: pending.signal,
      });
      const type = response.headers.get("Content-Type") || "";
      if (!response.ok || !type.startsWith("application/json")) {
        asked = null; // ask again at the next change
        return;
      }
      const result = await response.json();
      document.dispatchEvent(new CustomEvent("app:server-contact", { detail: { sentAt } }));
      grade.textContent = result.grade;
      percent.textContent = result.percent ? ` (${result.percent})` : "";
      status.textContent = result.text;
    } catch (error) {
      if (error.name !== "AbortError") asked = null;
    }
  };

  const soon = () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(ask, 300); // typing a number or a date: ask once it pauses
  };
  form.addEventListener("change", soon);
  form.addEventListener("input", soon);
})();
