// Start one Pyodide in Node.js, install wheels, run Python, print one JSON line: the driver of tests/wasm.
//
// usage: node run_pyodide.mjs <job.json>
//   job = {
//     pyodide: "<dir of an unpacked pyodide npm package>",
//     wheels:  ["<abs path of a .whl>", ...],     // installed with pyodide.loadPackage (as the site's worker does)
//     mounts:  {"/mnt/x": "<host dir>", ...},      // host directories mounted read-write (NODEFS)
//     code:    "<python source>"                   // run with runPythonAsync; its last expression is the result
//   }
// stdout (one line): {"ok": true, "result": <the last expression, if a str it is passed through>, "python": "3.x.y",
//                     "ms": {"start": .., "wheels": .., "run": ..}, "stdout": "...", "stderr": "..."}
//                 or {"ok": false, "error": "...", ...}
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import path from "node:path";

function now() {
  return performance.now();
}

async function main() {
  const job = JSON.parse(readFileSync(process.argv[2], "utf8"));
  const out = { ok: false, ms: {}, stdout: "", stderr: "" };
  const indexURL = path.resolve(job.pyodide) + path.sep;
  try {
    let t = now();
    const { loadPyodide } = await import(pathToFileURL(path.join(indexURL, "pyodide.mjs")).href);
    const pyodide = await loadPyodide({
      indexURL,
      stdout: (s) => { out.stdout += s + "\n"; },
      stderr: (s) => { out.stderr += s + "\n"; },
    });
    out.ms.start = Math.round(now() - t);
    out.python = pyodide.runPython("import sys; '.'.join(map(str, sys.version_info[:3]))");

    t = now();
    for (const [where, host] of Object.entries(job.mounts || {})) {
      pyodide.FS.mkdirTree(where);
      pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: path.resolve(host) }, where);
    }
    const messages = [];
    for (const whl of job.wheels || []) {
      await pyodide.loadPackage(path.resolve(whl), {
        messageCallback: (m) => messages.push(m),
        errorCallback: (m) => messages.push("error: " + m),
      });
    }
    out.load_messages = messages;
    out.ms.wheels = Math.round(now() - t);

    t = now();
    const result = await pyodide.runPythonAsync(job.code || "None");
    out.ms.run = Math.round(now() - t);
    out.result = result && typeof result.toJs === "function" ? result.toJs({ dict_converter: Object.fromEntries }) : result;
    out.ok = true;
  } catch (err) {
    out.error = String(err && err.stack ? err.stack : err);
  }
  // exit only once the pipe has taken the whole line (a large result is written asynchronously)
  process.stdout.write(JSON.stringify(out) + "\n", () => process.exit(0));
}

main();
