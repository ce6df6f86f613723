"""A first picture before the engine: every demo with a build-time preview draws it while the engine is still
away (its requests held back here), as data-status="preview"; once the engine answers, the live result replaces
it (data-status="ready") and equals the preview (the same rnncore.demos call, native core vs wasm core)."""
import json
import math
import re

import pytest

from sequencehub import htmltext
from shtest import SITE

LESSONS = sorted(p.parent.name for p in (SITE / "lessons").glob("*/index.html")) if (SITE / "lessons").is_dir() else []
# an embed shows the same first picture when its URL asks for the default settings (here: no settings at all)
EMBEDS = sorted(p.parent.name for p in (SITE / "embed" / "v1").glob("*/index.html")) if (SITE / "embed").is_dir() else []
PAGES = [f"lessons/{slug}/" for slug in LESSONS] + [f"embed/v1/{name}/" for name in EMBEDS]


def previews_on(page_html):
    return [json.loads(m.replace("<\\/", "</")) for m in
            re.findall(r'<script type="application/json" data-sh-preview>(.*?)</script>', page_html, re.S)]


def close(a, b, tol=1e-3):
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        return math.isclose(a, b, rel_tol=tol, abs_tol=tol)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k], tol) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(close(x, y, tol) for x, y in zip(a, b))
    return a == b


def test_every_previewable_demo_ships_a_preview():
    shipped = {p["fn"] for slug in LESSONS for p in previews_on(
        (SITE / "lessons" / slug / "index.html").read_text(encoding="utf-8"))}
    assert {"hidden_state_trace", "gradient_norms", "gate_trace", "bidirectional_trace", "race_init",
            "sentiment_read", "translate_date", "forecast_run", "sample"} <= shipped


def test_every_demo_embed_with_defaults_ships_its_preview():
    """Each embed of a demo the build can compute ships that demo's default picture, the same as its lesson's
    when the lesson uses the defaults too."""
    from sequencehub.previews import DEFAULTS
    for name, (fn, _, _) in DEFAULTS.items():
        shipped = previews_on((SITE / "embed" / "v1" / name / "index.html").read_text(encoding="utf-8"))
        assert [p["fn"] for p in shipped] == [fn], f"embed/v1/{name}/: {[p['fn'] for p in shipped]}"


@pytest.mark.parametrize("path", PAGES)
def test_preview_first_then_live(context, page, site_url, path):
    html = (SITE / path / "index.html").read_text(encoding="utf-8")
    expected = previews_on(html)
    if not expected:
        pytest.skip(f"{path}: no demo with a preview")
    has_preview = ["data-sh-preview" in el.outer for el in htmltext.elements(html, htmltext.with_attribute("data-demo"))]
    held = []
    engine = site_url + "engine/**"              # the runtime and the wheel (not the page's engine client)
    context.route(engine, lambda route: held.append(route))             # the engine does not arrive yet
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(site_url + path)
    roots = page.locator("[data-demo]")
    previewed = []
    for i in range(roots.count()):
        root = roots.nth(i)
        root.scroll_into_view_if_needed()
        if not has_preview[i]:
            continue
        page.wait_for_function("(el) => el.dataset.status === 'preview'", arg=root.element_handle(), timeout=30_000)
        assert root.locator("canvas, [data-output]:not(:empty)").count() >= 1, "the preview is drawn"
        previewed.append(i)
    assert len(previewed) == len(expected)
    if path.startswith("embed/"):
        return      # the live side of the same calls is compared on the lessons (the engine's start is the cost)
    context.unroute(engine)
    for route in held:
        route.continue_()
    for i in previewed:
        root = roots.nth(i)
        root.scroll_into_view_if_needed()
        page.wait_for_function("(el) => el.dataset.status === 'ready'", arg=root.element_handle(), timeout=90_000)
        live = root.evaluate("(el) => ({fn: el.sequencehubCall.fn, result: el.sequencehubResult})")
        preview = next(p for p in expected if p["fn"] == live["fn"])
        if live["fn"] == "race_init":               # the built race has no live id (its race is gone)
            live["result"]["race"].pop("id", None)
        assert close(preview["result"], live["result"]), f"{path}: preview and live result of {live['fn']} differ"
