// Compile our Sass against GOV.UK Frontend and copy the browser files into the package's static
// folder; `pafinder build` copies that folder to site/assets/.
import { mkdirSync, copyFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "src", "pafinder", "web", "static");
const govuk = join(root, "node_modules", "govuk-frontend", "dist", "govuk");
mkdirSync(out, { recursive: true });

const result = sass.compile(join(root, "frontend", "app.scss"), {
  style: "compressed",
  importers: [new sass.NodePackageImporter()],
  quietDeps: true,
  silenceDeprecations: ["import"],
});
writeFileSync(join(out, "app.css"), result.css + "\n");
copyFileSync(join(govuk, "govuk-frontend.min.js"), join(out, "govuk-frontend.min.js"));
copyFileSync(join(root, "frontend", "app.js"), join(out, "app.js"));
// The icons browsers ask for, and the crest GOV.UK's CSS points at (/assets/images/...).
mkdirSync(join(out, "images"), { recursive: true });
for (const name of ["favicon.ico", "favicon.svg", "govuk-crest.svg", "govuk-icon-180.png"]) {
  copyFileSync(join(govuk, "assets", "images", name), join(out, "images", name));
}
// Our own Easy Read pictures (issue 14): flat SVGs drawn for this site, no licence to carry.
mkdirSync(join(out, "images", "easy-read"), { recursive: true });
for (const name of readdirSync(join(root, "frontend", "easy-read")).filter((n) => n.endsWith(".svg"))) {
  copyFileSync(join(root, "frontend", "easy-read", name), join(out, "images", "easy-read", name));
}
console.log(`front end built into ${out}`);
