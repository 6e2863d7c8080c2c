// Builds audit_app/static/dist/ from GOV.UK Frontend and our own sources. Run by `make`.
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const govuk = join(root, "node_modules", "govuk-frontend", "dist", "govuk");
const out = join(root, "audit_app", "static", "dist");

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const css = sass.compile(join(root, "assets", "application.scss"), {
  loadPaths: [join(root, "node_modules")],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import"],
});
writeFileSync(join(out, "application.css"), css.css);

cpSync(join(govuk, "govuk-frontend.min.js"), join(out, "govuk-frontend.min.js"));
cpSync(join(govuk, "assets", "images", "favicon.ico"), join(out, "images", "favicon.ico"));
cpSync(join(govuk, "assets", "images", "favicon.svg"), join(out, "images", "favicon.svg"));
cpSync(join(root, "assets", "application.js"), join(out, "application.js"));
cpSync(join(root, "assets", "js-enabled.js"), join(out, "js-enabled.js"));
for (const script of ["timeout-warning.js", "unsaved-changes.js", "suggested-grade.js"]) {
  cpSync(join(root, "assets", script), join(out, script));
}
console.log(`Built assets in ${out}`);
