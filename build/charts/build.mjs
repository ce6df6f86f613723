// Bundles build/charts/entry.js (ECharts with only the charts the demos use) into one minified ES module with
// the pinned esbuild: overrides/sequencehub/assets/vendor/echarts.min.js, which the plugin publishes with its
// other assets (assets/sequencehub/vendor/). Run by `make charts`; does nothing when the bundle is newer than
// this script, its entry and the installed echarts.
//   node build/charts/build.mjs [--force]
import { build } from "esbuild";
import { mkdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const entry = join(here, "entry.js");
const out = join(root, "overrides", "sequencehub", "assets", "vendor", "echarts.min.js");
const inputs = [entry, fileURLToPath(import.meta.url), join(root, "node_modules", "echarts", "package.json")];

function mtime(path) {
  try { return statSync(path).mtimeMs; } catch { return -1; }
}

if (!process.argv.includes("--force") && mtime(out) > Math.max(...inputs.map(mtime))) {
  console.log(`charts: ${out} is up to date`);
} else {
  mkdirSync(dirname(out), { recursive: true });
  const result = await build({
    entryPoints: [entry], bundle: true, format: "esm", minify: true, target: "es2020", outfile: out,
    legalComments: "none", metafile: true, logLevel: "warning",
    // drops ECharts' development-only checks and warnings, as its own dist builds do
    define: { "process.env.NODE_ENV": '"production"' },
  });
  const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
  console.log(`charts: ${out} (${(bytes / 1024).toFixed(0)} KB)`);
}
