// Progressive enhancement only: every page works without JavaScript.
import { initAll } from "./govuk-frontend.min.js";

initAll();

// Questions that apply only after certain answers (a questionnaire's "show_if") are revealed in
// place as the auditor answers. Without JavaScript the server decides what is shown when the page
// is saved, so nothing here is needed for the page to work.
function revealConditionalQuestions(form) {
  const blocks = Array.from(form.querySelectorAll(".app-show-if"));
  if (blocks.length === 0) return;

  const isVisible = (element) => !element.closest("[hidden]");

  const update = () => {
    // Blocks are in questionnaire order and always depend on earlier questions, so one pass
    // settles chains (a question shown only after a question that is itself conditional).
    for (const block of blocks) {
      const controller = block.dataset.showIf;
      const values = block.dataset.showValues.split(" ");
      const inputs = form.querySelectorAll(`input[type="radio"][name="${controller}"]`);
      if (inputs.length === 0) continue; // controlled from another page: the server decided
      const chosen = Array.from(inputs).find((input) => input.checked);
      const show = chosen !== undefined && isVisible(chosen) && values.includes(chosen.value);
      block.hidden = !show;
    }
  };

  form.addEventListener("change", update);
  update();
}

for (const form of document.querySelectorAll("form")) {
  revealConditionalQuestions(form);
}
