"""Browser-test fixtures: the built site served on 127.0.0.1, Debian's Chromium driven by Playwright.

Every page opened through the `page` fixture is watched: a request that leaves 127.0.0.1 or a console error
fails the test at teardown (tests that provoke errors on purpose clear `page.console_errors` themselves).
"""
import functools
import http.server
import os
import pathlib
import threading
import urllib.parse

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SITE = pathlib.Path(os.environ.get("SEQUENCEHUB_SITE", ROOT / "site"))   # another build: SEQUENCEHUB_SITE=...
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


@pytest.fixture(scope="session")
def site_url():
    """Base URL of the built site (`make site` builds it; `make test` runs that first)."""
    if not (SITE / "index.html").exists():
        pytest.fail("site/ is not built: run `make site` (make test does it first)")
    url, server = serve_directory(SITE)
    yield url
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


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


@pytest.fixture
def context(browser):
    ctx = browser.new_context()
    ctx.external_requests = []

    def guard(route):
        ctx.external_requests.append(route.request.url)
        route.abort()

    ctx.route(lambda url: not is_local(url), guard)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    """A watched page; fails the test if it requested anything outside 127.0.0.1 or logged a console error."""
    pg = watch(context.new_page())
    yield pg
    external = sorted(set(pg.external_requests + context.external_requests))
    assert not external, f"requests left 127.0.0.1: {external}"
    assert not pg.console_errors, f"console errors: {pg.console_errors}"
