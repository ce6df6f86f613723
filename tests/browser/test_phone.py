"""Every page and embed fits a 390-px phone: nothing scrolls sideways (document scrollWidth <= 390) once its demos
have drawn their first picture; anything wider than the screen (a long equation, a wide table) scrolls inside its
own focusable, labelled region. On a 1366-px desktop nothing is clipped: no region scrolls at all."""
import json
import re

import pytest

from sequencehub import htmltext
from test_site import site_pages
from shtest import SITE, walk_chunk

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
CHUNKS = 3                      # tests per viewport (shtest.walk_chunk)

# Elements that overflow the viewport on their own (not inside a scroll region), and scroll regions that are not
# reachable by keyboard or have no name: the details a failure message needs.
OVERFLOW_JS = """(limit) => {
  const scrolls = (el) => {
    const s = getComputedStyle(el);
    return /(auto|scroll)/.test(s.overflowX) && el.scrollWidth > el.clientWidth + 1;
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const wide = [], regions = [], clipped = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width && r.right > limit + 1 && !el.closest('[data-sh-scroll], .md-sidebar, .md-search, [popover]')) {
      let p = el.parentElement, inside = false;
      while (p && p !== document.body) { if (scrolls(p)) { inside = true; break; } p = p.parentElement; }
      if (!inside) wide.push(name(el) + ' right=' + Math.round(r.right));
    }
    if (scrolls(el) && !el.closest('.md-sidebar, .md-search, [popover]')) {
      regions.push(name(el));
      // code blocks are Material's: focusable when they scroll, named by their content
      const code = el.matches('pre > code');
      const role = el.getAttribute('role') || (el.tagName === 'FIGURE' ? 'figure' : '');
      if (el.tabIndex < 0 || (!code && (!['region', 'figure'].includes(role) || !el.getAttribute('aria-label'))))
        clipped.push(name(el) + ' (scrolls but is not a focusable, labelled region)');
    }
  }
  return {width: document.documentElement.scrollWidth, wide: wide.slice(0, 8), regions, unnamed: clipped};
}"""


def embed_pages():
    """The canonical embed pages (embed/v1/...): every demo and every quiz."""
    return sorted(p.relative_to(SITE).parent.as_posix() + "/" for p in (SITE / "embed" / "v1").rglob("index.html"))


class EngineOnDemand:
    """Holds back the engine's runtime and wheel on pages whose demos all ship a build-time picture: what these
    walks check is the page as drawn, and a Pyodide start per page (seconds of CPU) would only slow them down.
    Pages with a demo that has no preview (the playground, text generation) get the engine."""

    def __init__(self, context, site_url):
        self.hold = False
        context.route(site_url + "engine/**", self._route)

    def _route(self, route):
        if not self.hold:
            route.continue_()          # held requests are simply never answered: the page is left before

    def before(self, path):
        html = (SITE / (path if path.endswith(".html") else path + "index.html")).read_text(encoding="utf-8")
        demos = htmltext.elements(html, htmltext.with_attribute("data-demo"))
        self.hold = bool(demos) and all("data-sh-preview" in el.outer for el in demos)


def settle(page):
    """Bring every demo on screen (demos start when they come near it) and wait until each shows a picture
    (the build's preview or the live result) or has failed; then back to the top."""
    demos = page.locator("[data-demo]")
    for i in range(demos.count()):
        demos.nth(i).scroll_into_view_if_needed()
        page.wait_for_function("(d) => ['preview', 'ready', 'error'].includes(d.dataset.status)",
                               arg=demos.nth(i).element_handle(), timeout=90_000)
    page.evaluate("window.scrollTo(0, 0)")
    page.evaluate("document.fonts.ready")


def walk_pages():
    return site_pages() + embed_pages()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390px", "1366px"])
@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_no_sideways_scrolling(browser, site_url, chunk, viewport):
    context = browser.new_context(viewport=viewport)
    engine = EngineOnDemand(context, site_url)
    page = context.new_page()
    problems = []
    try:
        for path in walk_chunk(walk_pages, chunk, CHUNKS):
            engine.before(path)
            page.goto(site_url + path)
            settle(page)
            found = page.evaluate(OVERFLOW_JS, viewport["width"])
            if found["width"] > viewport["width"]:
                problems.append(f"{path}: document is {found['width']} px wide: {found['wide']}")
            if found["unnamed"]:
                problems.append(f"{path}: {found['unnamed']}")
            clipped = [r for r in found["regions"] if not r.startswith("code")]     # long code lines may scroll
            if viewport == DESKTOP and clipped:
                problems.append(f"{path}: clipped on a desktop (scrolls inside): {clipped}")
    finally:
        context.close()
    assert not problems, "\n".join(problems)


def test_heat_maps_stack_and_drop_cell_numbers_on_a_phone(browser, site_url):
    """The gate inspector's state heat maps sit one above the other on a phone and show no in-cell numbers (cells
    are too narrow to hold them); every value stays available as an accessible table."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(site_url + "embed/v1/gate-inspector/")
        demo = page.locator('[data-demo="gate-inspector"]')
        demo.and_(page.locator('[data-status="ready"]')).wait_for(timeout=90_000)
        layout = page.evaluate("""() => {
          const charts = [...document.querySelectorAll('[data-demo] .sh-demo-chart')];
          return charts.map((box) => {
            const inst = box.sequencehubChart;
            const option = inst.getOption();
            return {grids: option.grid.map((g) => [g.left, g.top]), labels: option.series.map((s) => s.label.show)};
          });
        }""")
        states = layout[1]
        assert len({str(top) for _, top in states["grids"]}) == len(states["grids"]), states   # stacked
        assert not any(layout[0]["labels"]) and not any(states["labels"]), layout
        table = demo.locator("table.sh-demo-values").first
        assert table.count() == 1
        caption = table.locator("caption").text_content()
        assert "input gate" in caption or "gate" in caption
        values = table.locator("td").all_text_contents()
        assert values and all(re.fullmatch(r"[−-]?\d+\.\d+", v) for v in values), values[:5]
    finally:
        context.close()


# The page-level containers: a style invalidation of one of their subtrees restyles (nearly) the whole page.
PAGE_LEVEL = re.compile(r"(HTML|BODY|MAIN|ARTICLE)\b|DIV class='md-(container|main|main__inner|content)'")


@pytest.mark.parametrize("path", ["lessons/lstm/", "lessons/gru/"])
def test_starting_up_restyles_no_whole_page(browser, site_url, path):
    """Once a lesson has been parsed, nothing restyles it as a whole: on a phone each such pass over a lesson full
    of typeset math costs tens of milliseconds of main-thread time. Chromium's own invalidation tracking names the
    element whose subtree each change sends back to style. Material's start-up used to do it twice: the
    focus-visible polyfill marking <html>, and the scroll box it puts around each content table inserted into the
    article."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        browser.start_tracing(page=page, categories=["disabled-by-default-devtools.timeline.invalidationTracking"])
        page.goto(site_url + path)
        page.locator(".md-typeset__scrollwrap").first.wait_for()  # Material's content components are mounted
        page.locator("[data-xp-total]").wait_for()        # and so are the site's own start-up scripts
        page.evaluate("() => new Promise((done) => requestIdleCallback(done, {timeout: 5000}))")
        events = json.loads(browser.stop_tracing())["traceEvents"]
        wrapped = page.locator(".sh-table > .md-typeset__scrollwrap > .md-typeset__table > table").count()
    finally:
        context.close()
    subtrees = [e["args"]["data"] for e in events if e.get("name") == "StyleInvalidatorInvalidationTracking"
                and e["args"]["data"].get("reason") == "Invalidation set invalidates subtree"]
    assert subtrees, "no invalidation was traced: the trace category no longer records them"
    whole = [d.get("nodeName") for d in subtrees if PAGE_LEVEL.match(d.get("nodeName") or "")]
    assert not whole, f"{path}: whole-page restyles of {whole}"
    assert wrapped >= 1, "the content tables are not in their blocks, with Material's scroll box inside"
