"""Offline reading: after one visit the service worker has the whole site; with the network off a lesson reloads
and its demo runs. A rebuilt site (new content hash) replaces the cache. The offline bundle serves with the one
line its README gives."""
import json
import re
import shutil
import socket
import subprocess
import sys
import time
import zipfile

import shtest
from shtest import serve_directory
from sequencehub.embed import hooks, offline

OPT_IN = "try { localStorage.setItem('sequencehub:offline', 'on'); } catch (e) {}"
WAIT_ACTIVE = """async () => {
  const reg = await navigator.serviceWorker.ready;
  if (reg.active.state !== "activated") {
    await new Promise((done) => reg.active.addEventListener("statechange", function check() {
      if (reg.active.state === "activated") done();
    }));
  }
  const names = await caches.keys();
  const cache = await caches.open(names.find((n) => n.startsWith('sequencehub-')));
  return {state: reg.active.state, names, entries: (await cache.keys()).length};
}"""


def manifest_of(site):
    text = (site / "sw.js").read_text(encoding="utf-8")
    return json.loads(re.search(r"const MANIFEST = (\{.*?\});", text).group(1))


def test_lesson_and_demo_work_offline(context, page, site_url):
    context.add_init_script(OPT_IN)
    page.goto(site_url + "lessons/hidden-state/")
    status = page.evaluate(WAIT_ACTIVE)
    manifest = manifest_of(shtest.SITE)
    assert status["state"] == "activated"
    assert status["names"] == [f"sequencehub-{manifest['version']}"]
    assert status["entries"] == len(manifest["files"])

    context.set_offline(True)
    page.reload()
    assert page.evaluate("navigator.onLine") is False
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    demo = page.locator('[data-demo="hidden-state"]').first
    demo.scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('[data-demo=\"hidden-state\"]').dataset.status === 'ready'",
                           timeout=60_000)
    page.goto(site_url + "lessons/lstm/")                       # a page not visited before, from the cache
    assert page.locator("h1").count() >= 1
    context.set_offline(False)


def test_rebuild_replaces_the_cache(context, page, tmp_path):
    site = tmp_path / "site"
    shutil.copytree(shtest.SITE, site)
    url, server = serve_directory(site)
    try:
        context.add_init_script(OPT_IN)
        page.goto(url)
        first = page.evaluate(WAIT_ACTIVE)["names"]
        index = site / "index.html"
        index.write_text(index.read_text(encoding="utf-8").replace("</body>", "<!-- rebuilt --></body>"))
        version = offline.write_service_worker(site, hooks.ASSETS / "sw.js")["version"]
        assert [f"sequencehub-{version}"] != first
        page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
        page.wait_for_function(f"caches.keys().then((k) => k.length === 1 && k[0] === 'sequencehub-{version}')",
                               timeout=30_000, polling=200)
    finally:
        server.shutdown()


def test_offline_bundle_serves_with_its_one_line(page, tmp_path):
    """`make bundle`'s zip, unzipped, served by exactly the command its README gives: a lesson's demo runs."""
    bundle = tmp_path / "bundle.zip"
    subprocess.run([sys.executable, str(shtest.ROOT / "build" / "bundle.py"), "--site", str(shtest.SITE),
                    "--out", str(bundle)], check=True, capture_output=True)
    with zipfile.ZipFile(bundle) as zf:
        zf.extractall(tmp_path)
    folder = tmp_path / "sequencehub-site"
    line = next(l.strip() for l in (folder / "README.txt").read_text().splitlines() if "http.server" in l)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    argv = line.replace("python3", sys.executable).replace(" 8000 ", f" {port} ").split()
    server = subprocess.Popen(argv, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/"
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        page.goto(url + "embed/v1/bidirectional/")
        page.wait_for_function("() => document.querySelector('[data-demo]').dataset.status === 'ready'", timeout=60_000)
    finally:
        server.terminate()
        server.wait(10)
