// Copies the files Keel serves from node_modules into static/vendor/ (ignored by git).
// Run by `npm ci` (postinstall). Only the files listed here are served.
import { cpSync, mkdirSync, rmSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const vendor = join(root, "static", "vendor");
const files = [
  ["lucide-static/sprite.svg", "lucide/sprite.svg"],
  ["lucide-static/LICENSE", "lucide/LICENSE"],
  ["@fontsource-variable/inter/files/inter-latin-wght-normal.woff2", "inter/inter-latin-wght-normal.woff2"],
  ["@fontsource-variable/inter/files/inter-latin-ext-wght-normal.woff2", "inter/inter-latin-ext-wght-normal.woff2"],
  ["@fontsource-variable/inter/LICENSE", "inter/LICENSE"],
  ["sortablejs/Sortable.min.js", "sortable/Sortable.min.js"],
  ["sortablejs/LICENSE", "sortable/LICENSE"],
  ["@simplewebauthn/browser/dist/bundle/index.umd.min.js", "simplewebauthn/browser.umd.min.js"],
  ["@simplewebauthn/browser/LICENSE.md", "simplewebauthn/LICENSE.md"],
];

rmSync(vendor, { recursive: true, force: true });
for (const [from, to] of files) {
  const source = join(root, "node_modules", from);
  if (!existsSync(source)) {
    console.error(`vendor: missing ${source}`);
    process.exit(1);
  }
  const target = join(vendor, to);
  mkdirSync(dirname(target), { recursive: true });
  cpSync(source, target);
}
console.log(`vendor: copied ${files.length} files into static/vendor/`);
