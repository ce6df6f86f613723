"""axe-core (the pinned npm package, injected from node_modules) finds no serious or critical issue on any page of
the site, embeds included, in the light and the dark palette, once every demo on the page shows its picture and the
XP popover is open (its panel is part of every page)."""
import pytest

from shtest import ROOT, walk_chunk
from test_phone import EngineOnDemand, embed_pages, settle
from test_site import site_pages

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCHEMES = ("light", "dark")
CHUNKS = 6                      # tests per palette (shtest.walk_chunk)

START_AXE = """() => { window.__shAxe = axe.run(document, {resultTypes: ['violations']}); }"""
COLLECT_AXE = """async () => {
  const result = await window.__shAxe;
  return result.violations.filter((v) => ['serious', 'critical'].includes(v.impact)).map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 4).map((n) => n.target.join(' ') + ' :: ' + (n.failureSummary || '').split('\\n')[1]),
  }));
}"""


def palette_of(page):
    return page.evaluate("document.body.getAttribute('data-md-color-scheme') "
                         "|| document.documentElement.dataset.theme || ''")


def walk_pages():
    return site_pages() + embed_pages()


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_no_serious_axe_findings(browser, site_url, chunk, scheme):
    """A sixth of the pages in one palette, in one fresh context."""
    if not AXE.is_file():
        pytest.fail("node_modules/axe-core is missing: run `npm ci` (make test does it)")
    # bypass_csp: the site's Content-Security-Policy rightly refuses injected scripts; axe is the test's own
    context = browser.new_context(color_scheme=scheme, bypass_csp=True, viewport={"width": 1280, "height": 900})
    engine = EngineOnDemand(context, site_url)
    page = context.new_page()
    problems = []
    try:
        for path in walk_chunk(walk_pages, chunk, CHUNKS):
            engine.before(path)
            page.goto(site_url + path)
            settle(page)
            if scheme == "dark" and not path.startswith("embed/"):
                assert palette_of(page) == "slate", f"{path}: the dark palette did not apply"
            if page.locator("[data-sh-xp] .sh-xp__button").count():
                page.locator("[data-sh-xp] .sh-xp__button").click()   # the popover's contents are checked too
            page.add_script_tag(path=str(AXE))
            page.evaluate(START_AXE)
            for finding in page.evaluate(COLLECT_AXE):
                problems.append(f"{path} [{scheme}] {finding['impact']} {finding['id']}: {finding['help']}\n    "
                                + "\n    ".join(finding["nodes"]))
    finally:
        context.close()
    assert not problems, "\n".join(problems)
