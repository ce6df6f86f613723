"""Shared test support: where the built site is, Debian's Chromium, a quiet local server, request guards.

Imported by tests/conftest.py (the fixtures) and by any test as `import shtest` (tests/ is on sys.path).
"""
import contextlib
import fcntl
import functools
import http.server
import os
import pathlib
import threading
import urllib.parse

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
SITE = pathlib.Path(os.environ.get("SEQUENCEHUB_SITE", ROOT / "site"))   # another build: SEQUENCEHUB_SITE=...
# A public address under a sub-path, as a course is published (README "Publish"): the `public_site` fixture builds
# the site for it.
PUBLIC_URL = "https://courses.example.org/rnn/"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".wasm": "application/wasm", ".mjs": "text/javascript", ".js": "text/javascript",
                      ".whl": "application/zip", ".json": "application/json"}

    def log_message(self, *args):
        pass


def serve_directory(directory):
    """Serve `directory` on 127.0.0.1 on a free port; returns (base_url, server). Used for sites other tests build."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/", server


@contextlib.contextmanager
def exclusive(name):
    """Held by one test process at a time (`make test` runs two pytest-xdist workers): wraps a step that writes a
    shared folder of the checkout (.build/...), so the second worker waits and then finds it up to date."""
    lock = ROOT / ".build" / "locks" / f"{name}.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)          # released when the file closes, even if the step fails
        yield


def is_local(url):
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme in ("data", "blob", "about", "javascript"):
        return True
    return parsed.hostname in ("127.0.0.1", "localhost", "::1")


def watch(page):
    """Record requests that leave 127.0.0.1 and console errors on `page` (as page.external_requests / console_errors)."""
    page.external_requests = []
    page.console_errors = []
    page.on("request", lambda r: None if is_local(r.url) else page.external_requests.append(r.url))
    page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.console_errors.append(f"pageerror: {e}"))
    # Workers' requests go through the context's routing too: block (and record) anything non-local.
    return page



def walk_chunk(list_pages, chunk, chunks):
    """Every `chunks`-th page of a walk over the built site, from the `chunk`-th on: a walk split over `chunks`
    tests, so that `make test`'s two workers share it and no test holds a worker for minutes. Interleaved, so
    that the few pages that start Pyodide spread over the chunks. A test opens its chunk in one fresh context:
    a context per page would cost each page ~1.5 s more CPU (a new renderer, cold caches), about doubling a walk.
    `list_pages()` reads the built site; no site built fails the test (an empty walk would pass)."""
    try:
        pages = list_pages()
    except FileNotFoundError:
        pages = []
    if not pages:
        pytest.fail(f"{SITE} is not built: run `make site` (make test does it first)")
    return pages[chunk::chunks]
