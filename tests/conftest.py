"""Fixtures for every test that needs the browser: the built site served on 127.0.0.1, Debian's Chromium
driven by Playwright (one per session: Playwright's sync API allows a single instance per thread).

Every page opened through the `page` fixture is watched: a request that leaves 127.0.0.1 or a console error
fails the test at teardown (tests that provoke errors on purpose clear `page.console_errors` themselves).
"""
import os
import pathlib
import subprocess
import sys

import pytest

from shtest import CHROMIUM, CHROMIUM_ARGS, PUBLIC_URL, ROOT, SITE, is_local, serve_directory, watch


# The order tests are handed to `make test`'s two workers: the folders of long tests (page walks, Pyodide runs,
# fresh builds) first, the core's ~700 short tests last, so that neither worker is left alone with a long test at
# the end. Within a folder, collection order (a module's tests stay together for its fixtures).
FOLDER_ORDER = ["browser", "wasm", "setup", "bench", "site", "core"]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    def folder(item):
        parts = item.path.relative_to(ROOT / "tests").parts
        return FOLDER_ORDER.index(parts[0]) if len(parts) > 1 and parts[0] in FOLDER_ORDER else len(FOLDER_ORDER)
    items.sort(key=folder)                  # stable: runs before pytest's own grouping by fixture parameters


@pytest.fixture(scope="session")
def site_url():
    """Base URL of the built site (`make site` builds it; `make test` runs that first)."""
    if not (SITE / "index.html").exists():
        pytest.fail("site/ is not built: run `make site` (make test does it first)")
    url, server = serve_directory(SITE)
    yield url
    server.shutdown()


@pytest.fixture(scope="session")
def public_site(tmp_path_factory):
    """The site built for a public address under a sub-path (SITE_URL=PUBLIC_URL, as README's "Publish" says) into
    <tmp>/rnn/, so that serving <tmp> puts it under /rnn/ as on its host. One build for the whole session: the
    hosting tests (tests/site/test_hosting.py) and the sub-path browser tests share it. SEQUENCEHUB_PUBLIC_SITE=<dir>
    names a folder already built that way instead (while working on these tests)."""
    if os.environ.get("SEQUENCEHUB_PUBLIC_SITE"):
        out = pathlib.Path(os.environ["SEQUENCEHUB_PUBLIC_SITE"])
        assert out.name == "rnn" and f"<loc>{PUBLIC_URL}</loc>" in (out / "sitemap.xml").read_text(), \
            f"{out} is not a site built with SITE_URL={PUBLIC_URL} into a folder named rnn"
        return out
    out = tmp_path_factory.mktemp("public") / "rnn"
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)], cwd=ROOT,
                            capture_output=True, text=True, timeout=900,
                            env={**os.environ, "SITE_URL": PUBLIC_URL, "NO_MKDOCS_2_WARNING": "1"})
    assert result.returncode == 0, result.stderr[-4000:]
    return out


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


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
