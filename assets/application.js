// Progressive enhancement only: every page works without JavaScript.
import { initAll } from "./govuk-frontend.min.js";

initAll();

// Questions and sections that apply only after certain answers (a questionnaire's "show_if") are
// revealed in place as the auditor answers. Without JavaScript the server decides what is shown
// when the page is saved, so nothing here is needed for the page to work.
const NUMBER = /^-?[0-9]+(\.[0-9]+)?$/;

// A date as typed (27/3/2026) or stored (2026-03-27), as YYYY-MM-DD, or null.
function isoDate(text) {
  const uk = text.match(/^(\d{1,2})\/(\d{1,2})\/(\d{4})$/);
  if (uk) return `${uk[3]}-${uk[2].padStart(2, "0")}-${uk[1].padStart(2, "0")}`;
  return /^\d{4}-\d{2}-\d{2}$/.test(text) ? text : null;
}

function revealConditionalQuestions(form) {
  const blocks = Array.from(form.querySelectorAll(".app-show-if"));
  if (blocks.length === 0) return;

  const isVisible = (element) => !element.closest("[hidden]");

  // The answer on this page to a question: its value, null when hidden or unanswered, or
  // undefined when the question is on another page (then the server's decision stands).
  const answerOf = (name) => {
    const boxes = Array.from(form.querySelectorAll(`input[type="checkbox"][name="${name}"]`));
    if (boxes.length > 0) {
      const ticked = boxes.filter((input) => input.checked && isVisible(input));
      return ticked.length > 0 ? ticked.map((input) => input.value) : null;
    }
    const radios = Array.from(form.querySelectorAll(`input[type="radio"][name="${name}"]`));
    if (radios.length > 0) {
      const chosen = radios.find((input) => input.checked);
      return chosen !== undefined && isVisible(chosen) ? chosen.value : null;
    }
    const field = form.querySelector(`[name="${name}"]`);
    if (field === null) return undefined;
    const value = field.value.trim();
    return isVisible(field) && value !== "" ? value : null;
  };

  // Whether a condition holds: true, false, or undefined when it names another page. A
  // condition on the case's service comes settled by the server ("settled": true or false).
  const holds = (condition) => {
    if (condition.settled !== undefined) return condition.settled;
    if (condition.all || condition.any) {
      const parts = (condition.all || condition.any).map(holds);
      if (parts.includes(undefined)) return undefined;
      return condition.all ? parts.every(Boolean) : parts.some(Boolean);
    }
    if (condition.not) {
      const inner = holds(condition.not);
      return inner === undefined ? undefined : !inner;
    }
    const answer = answerOf(condition.question);
    if (answer === undefined || answer === null) return answer === null ? false : undefined;
    if (condition.in) return condition.in.includes(answer);
    if (condition.any_of) return condition.any_of.some((value) => answer.includes(value));
    if (condition.all_of) return condition.all_of.every((value) => answer.includes(value));
    if (condition.at_least !== undefined || condition.at_most !== undefined) {
      if (!NUMBER.test(answer)) return false;
      const value = Number(answer);
      return condition.at_least !== undefined ? value >= condition.at_least : value <= condition.at_most;
    }
    const day = isoDate(answer);
    if (day === null) return false;
    return condition.before !== undefined ? day < condition.before : day > condition.after;
  };

  const update = () => {
    // Blocks are in page order (a section before its questions) and conditions name only
    // earlier questions, so one pass settles chains.
    for (const block of blocks) {
      const shown = holds(JSON.parse(block.dataset.condition));
      if (shown !== undefined) block.hidden = !shown;
    }
  };

  form.addEventListener("change", update);
  form.addEventListener("input", update);
  update();
}

for (const form of document.querySelectorAll("form")) {
  revealConditionalQuestions(form);
}
