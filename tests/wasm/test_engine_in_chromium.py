"""The vendored engine (.build/engine) in headless Chromium, the way the site's worker uses it: a module worker
imports pyodide/pyodide.mjs, reads engine.json, starts Pyodide and loadPackage()s the wheel. Proves the vendored
file list is what the browser needs (every request answered, none leaving 127.0.0.1) and that the result equals
the native core's.
"""
import functools
import os
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest


PAGE = """<!doctype html><html><head><link rel="icon" href="data:,"></head><body><script type="module">
const w = new Worker(new URL("./worker.js", import.meta.url), {type: "module"});
w.onmessage = (e) => { window.result = e.data; document.title = "done"; };
</script></body></html>"""

WORKER = """
const base = new URL("./engine/", self.location.href);
const t0 = performance.now();
try {
  const { loadPyodide } = await import(new URL("pyodide/pyodide.mjs", base).href);
  const engine = await (await fetch(new URL("engine.json", base))).json();
  const pyodide = await loadPyodide({ indexURL: new URL("pyodide/", base).href });
  const started = performance.now() - t0;
  await pyodide.loadPackage(new URL(engine.wheel, base).href);
  const y = pyodide.runPython(`
import json, rnncore
m = rnncore.LSTM(input_size=3, hidden_size=4, seed=0)
y, _ = m.forward([[[1.0, 2.0, 3.0]], [[-1.0, 0.5, 0.0]]])
json.dumps(y.tolist())`);
  postMessage({ ok: true, y: JSON.parse(y), started, total: performance.now() - t0 });
} catch (e) {
  postMessage({ ok: false, error: String(e && e.stack || e) });
}
"""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def served_engine(engine, tmp_path):
    (tmp_path / "index.html").write_text(PAGE)
    (tmp_path / "worker.js").write_text(WORKER)
    os.symlink(engine["dir"], tmp_path / "engine")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_vendored_engine_runs_the_wheel_in_chromium(served_engine, browser):
    import rnncore
    requests, bad = [], []
    page = browser.new_page()          # the session's one Chromium (tests/conftest.py)
    try:
        page.on("request", lambda r: requests.append(r.url))
        page.on("response", lambda r: bad.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        page.on("console", lambda m: bad.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        t = time.time()
        page.goto(served_engine + "index.html")
        page.wait_for_function("() => document.title === 'done'", timeout=60000)
        result = page.evaluate("window.result")
        wall = time.time() - t
    finally:
        page.close()
    assert result["ok"], result.get("error")
    print(f"\nChromium: Pyodide started in {result['started']:.0f} ms, first LSTM result at {result['total']:.0f} ms "
          f"({wall:.1f} s wall)")
    assert not bad, bad
    assert all(u.startswith(served_engine) for u in requests), [u for u in requests if not u.startswith(served_engine)]
    runtime = {u[len(served_engine + "engine/pyodide/"):] for u in requests if "/engine/pyodide/" in u}
    assert runtime <= {"pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"}
    m = rnncore.LSTM(input_size=3, hidden_size=4, seed=0)
    y, _ = m.forward([[[1.0, 2.0, 3.0]], [[-1.0, 0.5, 0.0]]])
    got, want = [v for r in result["y"] for v in r[0]], [v for r in y.tolist() for v in r[0]]
    assert len(got) == len(want) and all(abs(g - w) <= 1e-12 * (1 + abs(w)) for g, w in zip(got, want)), (got, want)
