"""Fixtures for every test that needs the browser: the built site served on 127.0.0.1, Debian's Chromium
driven by Playwright (one per session: Playwright's sync API allows a single instance per thread).

Every page opened through the `page` fixture is watched: a request that leaves 127.0.0.1 or a console error
fails the test at teardown (tests that provoke errors on purpose clear `page.console_errors` themselves).
"""
import pytest

from shtest import CHROMIUM, CHROMIUM_ARGS, SITE, is_local, serve_directory, watch


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
