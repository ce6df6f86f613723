"""The application lessons' demos in headless Chromium: forecasting, sentiment, translation.

Each test drives a demo as a reader would (types into its [data-input] and presses Enter, moves a slider, clicks
a button) and checks the result on the demo's root (`el.sequencehubResult`) against the same `rnncore.demos` call
run natively on the shipped model. The `page` fixture fails a test on any request leaving 127.0.0.1 and on any
console error.
"""
import json
import math

import pytest

from shtest import SITE

READY_MS = 90000


def demo_page(name):
    for path in sorted((SITE / "lessons").rglob("*.html")):
        if f'data-demo="{name}"' in path.read_text(encoding="utf-8", errors="replace"):
            return path.relative_to(SITE).as_posix()
    pytest.fail(f"no lesson page contains the {name} demo")


def open_demo(page, site_url, name):
    page.goto(site_url + demo_page(name))
    root = page.locator(f'[data-demo="{name}"]').first
    root.scroll_into_view_if_needed()
    wait_settled(page, root)
    return root


def wait_settled(page, root, timeout=READY_MS):
    page.wait_for_function("el => ['ready', 'error'].includes(el.dataset.status) && !el.hasAttribute('aria-busy')",
                           arg=root.element_handle(), timeout=timeout)
    assert root.get_attribute("data-status") == "ready", root.get_attribute("data-error")


def hook(root):
    return root.evaluate("el => JSON.parse(JSON.stringify({call: el.sequencehubCall || null, "
                         "result: el.sequencehubResult || null}))")


def native(call, model_file):
    from rnncore import demos
    kwargs = dict(call["kwargs"])
    kwargs["model"] = json.loads((SITE / "engine" / "models" / model_file).read_text())   # the page sends its key
    return json.loads(json.dumps(getattr(demos, call["fn"])(**kwargs)))


def assert_close(got, want, rtol=1e-7, atol=1e-10, path="result"):
    if isinstance(want, dict):
        assert isinstance(got, dict) and set(got) == set(want), f"{path}: keys {sorted(got)} != {sorted(want)}"
        for k in want:
            assert_close(got[k], want[k], rtol, atol, f"{path}.{k}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), f"{path}: length {len(got)} != {len(want)}"
        for i, (g, w) in enumerate(zip(got, want)):
            assert_close(g, w, rtol, atol, f"{path}[{i}]")
    elif isinstance(want, float):
        assert isinstance(got, (int, float)) and math.isclose(got, want, rel_tol=rtol, abs_tol=atol), \
            f"{path}: browser {got} != native {want}"
    else:
        assert got == want, f"{path}: browser {got!r} != native {want!r}"


def type_and_enter(page, root, text):
    before = json.dumps(hook(root)["call"])
    field = root.locator("[data-input]")
    field.fill(text)
    field.press("Enter")
    page.wait_for_function("([el, before]) => el.sequencehubResult && JSON.stringify(el.sequencehubCall) !== before"
                           " && !el.hasAttribute('aria-busy')", arg=[root.element_handle(), before], timeout=30000)
    wait_settled(page, root)
    return hook(root)


def test_sentiment_reads_what_the_reader_types(page, site_url):
    root = open_demo(page, site_url, "sentiment")
    first = hook(root)
    assert set(first["result"]) >= {"tokens", "positive", "steps"}
    assert_close(first["result"], native(first["call"], "sentiment.json"))

    good = type_and_enter(page, root, "the film was good")
    r = good["result"]
    assert r["tokens"] == ["the", "film", "was", "good"]
    assert len(r["steps"]) == 4 and [s["token"] for s in r["steps"]] == r["tokens"]
    assert r["positive"] == r["steps"][-1]["positive"] and r["positive"] > 0.5
    assert_close(r, native(good["call"], "sentiment.json"))

    negated = type_and_enter(page, root, "the film was not good")["result"]
    assert negated["positive"] < 0.5, "the LSTM must read 'not good' as negative"

    unknown = type_and_enter(page, root, "the film was zorblax")
    assert unknown["result"]["unknown"] == ["zorblax"]
    assert unknown["result"]["steps"][-1]["known"] is False
    assert "zorblax" in root.locator("[data-unknown]").inner_text()
    assert root.locator("canvas").count() > 0


def test_translation_translates_a_typed_date_with_its_attention(page, site_url):
    root = open_demo(page, site_url, "translation")
    first = hook(root)
    assert_close(first["result"], native(first["call"], "translation.json"))

    typed = type_and_enter(page, root, "March 3, 2021")
    r = typed["result"]
    assert r["output"] == "2021-03-03"
    assert len(r["attention"]) == len(r["output"])
    assert all(len(row) == len("march 3, 2021") and math.isclose(sum(row), 1.0, rel_tol=1e-9)
               for row in r["attention"])
    assert_close(r, native(typed["call"], "translation.json"))
    assert root.locator("[data-output]").inner_text() == "2021-03-03"

    assert type_and_enter(page, root, "03.12.1999")["result"]["output"] == "1999-12-03"


def test_forecasting_horizon_and_training_in_the_browser(page, site_url):
    root = open_demo(page, site_url, "forecasting")
    first = hook(root)
    r = first["result"]
    assert set(r) >= {"history", "truth", "forecast"} and len(r["truth"]) == len(r["forecast"]) == r["horizon"]
    assert_close(r, native(first["call"], "forecast.json"))

    before = json.dumps(first["call"])
    slider = root.locator('input[type="range"][name="horizon"]')
    slider.focus()
    for _ in range(3):
        slider.press("ArrowLeft")
    page.wait_for_function("([el, before]) => JSON.stringify(el.sequencehubCall) !== before"
                           " && !el.hasAttribute('aria-busy')", arg=[root.element_handle(), before], timeout=30000)
    wait_settled(page, root)
    shorter = hook(root)
    assert shorter["result"]["horizon"] == r["horizon"] - 3 == len(shorter["result"]["forecast"])
    assert_close(shorter["result"], native(shorter["call"], "forecast.json"))

    root.locator('[data-action="train"]').click()
    page.wait_for_function("el => el.dataset.trained === 'browser' && !el.hasAttribute('aria-busy')",
                           arg=root.element_handle(), timeout=120000)
    wait_settled(page, root)
    fresh = hook(root)
    assert fresh["call"]["fn"] == "forecast_train" and fresh["result"]["trained"] == "browser"
    assert fresh["result"]["forecast"] != shorter["result"]["forecast"]
    losses = fresh["result"]["losses"]
    assert sum(losses[-20:]) / 20 < sum(losses[:20]) / 20, "the fresh model did not learn"
    # the same training natively (numpy) agrees with Pyodide's numpy-free run up to rounding drift
    assert_close(fresh["result"], native(fresh["call"], "forecast.json"), rtol=1e-4, atol=1e-6)
