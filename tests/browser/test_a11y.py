"""axe-core (the pinned npm package, injected from node_modules) finds no serious or critical issue on any page of
the site, embeds included, in the light and the dark palette, once every demo on the page shows its picture and the
XP popover is open (its panel is part of every page)."""
import pytest

from shtest import ROOT
from test_phone import EngineOnDemand, embed_pages, settle
from test_site import site_pages

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCHEMES = ("light", "dark")

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


def test_no_serious_axe_findings(browser, site_url):
    """Both palettes side by side, one page each: axe runs in the two pages at once (one CPU core each)."""
    if not AXE.is_file():
        pytest.fail("node_modules/axe-core is missing: run `npm ci` (make test does it)")
    # bypass_csp: the site's Content-Security-Policy rightly refuses injected scripts; axe is the test's own
    contexts = {scheme: browser.new_context(color_scheme=scheme, bypass_csp=True,
                                            viewport={"width": 1280, "height": 900}) for scheme in SCHEMES}
    engines = {scheme: EngineOnDemand(ctx, site_url) for scheme, ctx in contexts.items()}
    pages = {scheme: ctx.new_page() for scheme, ctx in contexts.items()}
    problems = []
    try:
        for path in site_pages() + embed_pages():
            for scheme, page in pages.items():
                engines[scheme].before(path)
                page.goto(site_url + path)
            for scheme, page in pages.items():
                settle(page)
                if scheme == "dark" and not path.startswith("embed/"):
                    assert palette_of(page) == "slate", f"{path}: the dark palette did not apply"
                if page.locator("[data-sh-xp] .sh-xp__button").count():
                    page.locator("[data-sh-xp] .sh-xp__button").click()   # the popover's contents are checked too
                page.add_script_tag(path=str(AXE))
                page.evaluate(START_AXE)
            for scheme, page in pages.items():
                for finding in page.evaluate(COLLECT_AXE):
                    problems.append(f"{path} [{scheme}] {finding['impact']} {finding['id']}: {finding['help']}\n    "
                                    + "\n    ".join(finding["nodes"]))
    finally:
        for ctx in contexts.values():
            ctx.close()
    assert not problems, "\n".join(problems)
