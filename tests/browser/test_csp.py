"""Every page holds under a strict Content-Security-Policy.

Statically: every built page (lessons, embeds, the 404 page) and every SCORM package's page carries the policy
as its first <meta> after the charset, with script-src 'self' 'wasm-unsafe-eval' and nothing looser, and holds
no inline script, inline event handler or javascript: URL (JSON data blocks are fine: they never run).
In Chromium: the site is served with the same policy as a response header (which also governs the workers), and
every page is opened with every demo live (data-status ready), generated quiz items loaded and embeds included,
without one security-policy violation or console error.
"""
import functools
import html.parser
import http.server
import threading
import zipfile

import pytest

from sequencehub import csp
from shtest import SITE, _QuietHandler, walk_chunk

READY_MS = 90_000
CHUNKS = 6                      # tests the walk in the browser is split into (shtest.walk_chunk)
DATA_SCRIPTS = {"application/json", "application/ld+json"}


class _PageReader(html.parser.HTMLParser):
    """What a page holds that a CSP cares about: its CSP metas, where they are, inline scripts, handlers."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.metas, self.inline, self.handlers, self.js_urls = [], [], [], []
        self.first_script_at = None
        self.elements = 0
        self._script = None

    def handle_starttag(self, tag, attrs):
        self.elements += 1
        attrs = dict(attrs)
        if tag == "meta" and (attrs.get("http-equiv") or "").lower() == "content-security-policy":
            self.metas.append((self.elements, attrs.get("content")))
        if tag == "script":
            if self.first_script_at is None:
                self.first_script_at = self.elements
            self._script = attrs if not attrs.get("src") else None
        for name, value in attrs.items():
            if name.startswith("on") and name[2:].isalpha():          # onclick, onerror, ... (an event handler)
                self.handlers.append(f"<{tag} {name}>")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                    "javascript:"):
                self.js_urls.append(f"<{tag} {name}={value}>")

    def handle_data(self, data):
        if self._script is not None and data.strip():
            if (self._script.get("type") or "").lower() not in DATA_SCRIPTS:
                self.inline.append(data.strip()[:80])

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = None


def read_page(text):
    reader = _PageReader()
    reader.feed(text)
    return reader


def site_pages():
    """Every page the site ships (Pyodide's own npm files under engine/ are the runtime, not pages)."""
    return sorted(p.relative_to(SITE).as_posix() for p in SITE.rglob("*.html")
                  if not p.relative_to(SITE).as_posix().startswith("engine/"))


def check_page(name, text):
    reader = read_page(text)
    assert [content for _, content in reader.metas] == [csp.POLICY], f"{name}: CSP metas {reader.metas}"
    assert reader.first_script_at is None or reader.metas[0][0] < reader.first_script_at, \
        f"{name}: a script comes before the policy"
    assert not reader.inline, f"{name}: inline scripts {reader.inline}"
    assert not reader.handlers, f"{name}: inline event handlers {reader.handlers}"
    assert not reader.js_urls, f"{name}: javascript: URLs {reader.js_urls}"


def test_policy_is_strict():
    directives = directives_of(csp.POLICY)
    assert directives["script-src"].split() == ["'self'", "'wasm-unsafe-eval'"]      # no unsafe-inline/-eval
    assert directives["default-src"] == "'self'" and directives["object-src"] == "'none'"
    assert directives["worker-src"] == "'self'" and directives["base-uri"] == "'self'"
    assert all("http" not in value and "*" not in value for value in directives.values())


def directives_of(policy):
    return dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())


def test_readme_tells_hosts_the_same_policy():
    # the header a host sends (README, Publish) is this policy, plus what only a header can say (frame-ancestors)
    import re
    from shtest import ROOT
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.findall(r"(default-src [^`\"]+)", readme)
    assert found, "README names no Content-Security-Policy"
    ours = directives_of(csp.POLICY)
    for policy in found:
        theirs = directives_of(policy)
        theirs.pop("frame-ancestors", None)
        assert theirs.pop("frame-src", ours["default-src"]) == ours["default-src"]
        assert theirs == ours, policy


def test_every_page_carries_the_policy_and_no_inline_script():
    pages = site_pages()
    assert len(pages) > 20 and "404.html" in pages and "embed/v1/playground/index.html" in pages
    for name in pages:
        check_page(name, (SITE / name).read_text(encoding="utf-8"))


def test_every_scorm_page_carries_the_policy_and_no_inline_script():
    packages = sorted((SITE / "scorm").glob("*.zip"))
    assert packages, "no SCORM packages were built"
    for package in packages:
        with zipfile.ZipFile(package) as zf:
            for name in zf.namelist():
                if name.endswith(".html") and not name.startswith("engine/"):
                    check_page(f"{package.name}:{name}", zf.read(name).decode("utf-8"))


# ------------------------------------------------------------------------------------------ in the browser
class _PolicyHandler(_QuietHandler):
    """The site as a host following the README would serve it: the policy as a header on every response."""

    def end_headers(self):
        self.send_header("Content-Security-Policy", csp.POLICY)
        super().end_headers()


def serve_with_policy(directory):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(_PolicyHandler, directory=str(directory)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/", server


WATCH_VIOLATIONS = """
window.__violations = [];
const record = (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
document.addEventListener("securitypolicyviolation", record);
"""


@pytest.fixture(scope="module")
def policy_site():
    url, server = serve_with_policy(SITE)
    yield url
    server.shutdown()


@pytest.fixture
def strict_page(page):
    page.context.add_init_script(WATCH_VIOLATIONS)
    return page


def violations(page):
    found = []
    for frame in page.frames:
        found += frame.evaluate("() => window.__violations || []")
    return found


def bring_everything_alive(page):
    """Scroll every widget into view and wait until every demo is ready and every generated item has loaded."""
    for root in page.locator("[data-demo]").all():
        root.scroll_into_view_if_needed()
        page.wait_for_function("el => ['ready', 'error'].includes(el.dataset.status)", arg=root.element_handle(),
                               timeout=READY_MS)
        assert root.get_attribute("data-status") == "ready", (page.url, root.get_attribute("data-error"))
    for item in page.locator("[data-generated]").all():
        item.scroll_into_view_if_needed()
        page.wait_for_function("el => ['ready', 'error'].includes(el.dataset.state)", arg=item.element_handle(),
                               timeout=READY_MS)
        assert item.get_attribute("data-state") == "ready", page.url
    for quiz in page.locator("[data-quiz]").all():
        page.wait_for_function("el => el.dataset.status === 'ready' || el.hasAttribute('data-mounted')",
                               arg=quiz.element_handle(), timeout=READY_MS)


def test_the_policy_header_blocks_inline_script(strict_page, policy_site):
    # the harness itself: this server's policy is enforced and violations are seen
    strict_page.goto(policy_site)
    strict_page.evaluate("""() => { const s = document.createElement("script");
      s.textContent = "window.__inlineRan = true"; document.head.append(s); }""")
    strict_page.wait_for_function("() => window.__violations.length > 0")
    assert strict_page.evaluate("() => window.__inlineRan") is None
    strict_page.console_errors.clear()


def pages_to_open():
    """Every page a reader opens: the site's pages and the canonical embed pages (aliases are the same files)."""
    out = []
    for name in site_pages():
        if name.startswith("embed/") and not name.startswith("embed/v1/"):
            continue
        out.append(name.removesuffix("index.html"))
    return out


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_every_page_runs_under_the_policy_header(strict_page, policy_site, chunk):
    for name in walk_chunk(pages_to_open, chunk, CHUNKS):
        strict_page.goto(policy_site + name)
        strict_page.wait_for_load_state("load")
        bring_everything_alive(strict_page)
        assert not violations(strict_page), (name, violations(strict_page))
        assert not strict_page.console_errors, (name, strict_page.console_errors)


def test_instant_navigation_and_search_under_the_policy(strict_page, policy_site):
    # Material swaps pages in place (navigation.instant) and searches in a worker: both under the policy
    strict_page.goto(policy_site)
    strict_page.locator("nav.md-nav a[href*='lessons/']").first.click()
    strict_page.wait_for_url("**/lessons/**")
    bring_everything_alive(strict_page)
    strict_page.keyboard.press("/")
    strict_page.keyboard.type("forget gate")
    strict_page.locator(".md-search-result__item").first.wait_for(timeout=30_000)
    assert not violations(strict_page), violations(strict_page)


def test_a_scorm_page_runs_under_the_policy_header(strict_page, tmp_path):
    package = sorted((SITE / "scorm").glob("*.zip"))[0]
    with zipfile.ZipFile(package) as zf:
        zf.extractall(tmp_path / "sco")
    url, server = serve_with_policy(tmp_path / "sco")
    try:
        strict_page.goto(url + "index.html")
        strict_page.wait_for_load_state("load")
        bring_everything_alive(strict_page)
        assert not violations(strict_page), violations(strict_page)
    finally:
        server.shutdown()
