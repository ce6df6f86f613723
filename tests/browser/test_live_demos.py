"""The live demos in headless Chromium against the native core.

Each demo root exposes the request behind what it drew (`el.sequencehubCall = {fn, kwargs}`) and the result
(`el.sequencehubResult`); the test reruns the same `rnncore.demos` call natively and compares. The `page` fixture
fails a test on any request leaving 127.0.0.1 and on any console error.
"""
import json
import math
import pathlib
import re

import pytest

from shtest import SITE, serve_directory

DEMOS = ["hidden-state", "gate-inspector", "vanishing-gradient", "bidirectional", "text-generation",
         "training-race", "playground"]
READY_MS = 60000
RTOL, ATOL = 1e-7, 1e-12
# The slider each test moves (by keyboard) and the result key it must change.
SLIDERS = {
    "hidden-state": "hidden_size",
    "gate-inspector": None,            # the first bias slider (forget gate / update gate)
    "vanishing-gradient": "scale",
    "bidirectional": "hidden_size",
    "text-generation": "temperature",
}


def demo_page(name):
    """The built page (relative URL) that holds [data-demo=name]; lessons first."""
    pages = sorted(SITE.rglob("*.html"), key=lambda p: (not p.parts[len(SITE.parts)] == "lessons", str(p)))
    for path in pages:
        if f'data-demo="{name}"' in path.read_text(encoding="utf-8", errors="replace"):
            return path.relative_to(SITE).as_posix()
    pytest.skip(f"no built page contains the {name} demo")


def open_demo(page, site_url, name):
    page.goto(site_url + demo_page(name))
    root = page.locator(f'[data-demo="{name}"]').first
    root.scroll_into_view_if_needed()
    page.wait_for_function(
        "el => ['ready', 'error'].includes(el.dataset.status)", arg=root.element_handle(), timeout=READY_MS)
    assert root.get_attribute("data-status") == "ready", root.get_attribute("data-error")
    return root


def hook(root):
    return root.evaluate("el => JSON.parse(JSON.stringify({call: el.sequencehubCall || null, "
                         "result: el.sequencehubResult || null}))")


def assert_close(got, want, path="result"):
    """Recursive comparison: numbers to RTOL/ATOL, everything else equal (JSON null stands for NaN/inf)."""
    if isinstance(want, dict):
        assert isinstance(got, dict) and set(got) == set(want), f"{path}: keys {sorted(got)} != {sorted(want)}"
        for k in want:
            assert_close(got[k], want[k], f"{path}.{k}")
    elif isinstance(want, (list, tuple)):
        assert isinstance(got, list) and len(got) == len(want), f"{path}: length {len(got)} != {len(want)}"
        for i, (g, w) in enumerate(zip(got, want)):
            assert_close(g, w, f"{path}[{i}]")
    elif isinstance(want, float) and not isinstance(want, bool):
        if not math.isfinite(want):
            assert got is None, f"{path}: {got} != {want}"
        else:
            assert isinstance(got, (int, float)), f"{path}: {got!r} is not a number"
            assert math.isclose(got, want, rel_tol=RTOL, abs_tol=ATOL), f"{path}: browser {got} != native {want}"
    else:
        assert got == want, f"{path}: browser {got!r} != native {want!r}"


def native(call):
    from rnncore import demos
    kwargs = dict(call["kwargs"])
    if call["fn"] == "sample":                   # the page sends the model once, then only its key
        kwargs["model"] = json.loads((SITE / "engine" / "models" / "charlm.json").read_text())
    return json.loads(json.dumps(getattr(demos, call["fn"])(**kwargs)))


def move_slider(root, name):
    selector = f'input[type="range"][name="{name}"]' if name else 'input[type="range"][name^="bias_"]'
    slider = root.locator(selector).first
    slider.focus()
    slider.press("ArrowRight")
    slider.press("ArrowRight")


def wait_for_new_result(page, root, before):
    page.wait_for_function("([el, before]) => el.sequencehubResult && JSON.stringify(el.sequencehubCall) !== before",
                           arg=[root.element_handle(), json.dumps(before["call"], separators=(",", ":"))],
                           timeout=30000)


@pytest.mark.parametrize("name", [n for n in SLIDERS])
def test_demo_matches_native_core_and_reacts_to_a_slider(page, site_url, name):
    root = open_demo(page, site_url, name)
    first = hook(root)
    assert first["call"] and first["result"], "the demo exposes no result"
    assert_close(first["result"], native(first["call"]))
    assert root.locator("canvas, pre").count() > 0, "nothing was drawn"

    page.wait_for_function("el => !el.hasAttribute('aria-busy')", arg=root.element_handle())
    before = hook(root)
    move_slider(root, SLIDERS[name])
    wait_for_new_result(page, root, before)
    page.wait_for_function("el => !el.hasAttribute('aria-busy')", arg=root.element_handle())
    second = hook(root)
    assert second["call"]["kwargs"] != first["call"]["kwargs"]
    assert second["result"] != first["result"], "moving the slider did not change the output"
    assert_close(second["result"], native(second["call"]))
    assert root.get_attribute("data-status") == "ready"


def test_hidden_state_steps_through_time_by_keyboard(page, site_url):
    root = open_demo(page, site_url, "hidden-state")
    T = len(hook(root)["result"]["tokens"])
    step = root.locator("output.sh-demo-value[aria-live]")
    assert step.inner_text() == f"t = {T} of {T}"            # a new trace is shown whole
    back = root.get_by_role("button", name="previous step")
    back.focus()
    back.press("ArrowLeft")
    back.press("Enter")
    assert step.inner_text() == f"t = {T - 2} of {T}"
    root.get_by_role("button", name="from the start").click()
    assert step.inner_text() == f"t = 1 of {T}"


def test_training_race_learns_like_the_native_core(page, site_url):
    from rnncore import demos
    root = open_demo(page, site_url, "training-race")
    root.locator('[data-action="start"]').click()
    page.wait_for_function("el => Number(el.dataset.steps || 0) >= 30", arg=root.element_handle(), timeout=60000)
    root.locator('[data-action="stop"]').click()
    page.wait_for_function("el => el.dataset.running === 'false'", arg=root.element_handle())
    page.wait_for_timeout(300)
    data = hook(root)
    losses = data["result"]["losses"]
    steps = {len(v) for v in losses.values()}
    assert len(steps) == 1 and steps.pop() >= 30, "the cells did not train in step"
    races = demos.Races()
    race = demos.race_init(**data["call"]["kwargs"], races=races)
    want = {cell: [] for cell in losses}
    while len(want["rnn"]) < len(losses["rnn"]):       # race_step takes at most 200 updates a call
        chunk = demos.race_step(race["id"], min(200, len(losses["rnn"]) - len(want["rnn"])), races)["losses"]
        for cell in chunk:
            want[cell] += chunk[cell]
    for cell in want:                             # training compounds rounding: a looser tolerance
        for got, exp in zip(losses[cell], want[cell]):
            assert math.isclose(got, exp, rel_tol=1e-5, abs_tol=1e-9), (cell, got, exp)
    assert root.get_attribute("data-status") == "ready"


def test_playground_runs_code_and_survives_an_endless_loop(page, site_url):
    root = open_demo(page, site_url, "playground")
    code = root.locator("textarea")
    output = root.locator("[data-output]")
    # the example ran on first view: its stdout is the native run's stdout
    shown = hook(root)["result"]
    assert shown["stderr"] == "", shown["stderr"]
    assert shown["stdout"] and shown["stdout"] in output.inner_text()

    budget = float(root.get_attribute("data-budget") or 5)
    code.fill("while True:\n    pass")
    root.locator("[data-run]").click()
    # the main thread stays responsive while the worker spins
    page.wait_for_timeout(500)
    assert page.evaluate("() => new Promise(r => setTimeout(() => r(1), 10))") == 1
    stopped = root.locator('[data-stopped="true"]')
    stopped.wait_for(timeout=int((budget + 10) * 1000))
    assert "Stopped" in stopped.inner_text()

    code.fill("import rnncore\nm = rnncore.GRU(input_size=1, hidden_size=2, seed=3)\n"
              "print(len(m.params))\n6 * 7")
    root.locator("[data-run]").click()
    page.wait_for_function("el => el.sequencehubResult && el.sequencehubResult.result === '42'",
                           arg=root.element_handle(), timeout=READY_MS)
    assert output.inner_text().startswith("4")
    code.fill("1/0")
    root.locator("[data-run]").click()
    page.wait_for_function("el => el.sequencehubResult && /ZeroDivisionError/.test(el.sequencehubResult.stderr)",
                           arg=root.element_handle(), timeout=READY_MS)
    assert root.get_attribute("data-status") == "ready"


def test_engine_timeout_is_an_error_named_EngineTimeout(page, site_url):
    page.goto(site_url + demo_page("playground"))
    client = (site_url + "assets/sequencehub/engine/client.js")
    got = page.evaluate("""async (url) => {
        const c = await import(url);
        const t0 = performance.now();
        const err = await c.runPython('while True: pass', {budgetMs: 800}).then(() => null, (e) => e);
        const after = await c.call('info', {});
        return {name: err && err.name, waited: performance.now() - t0, python: after.python};
    }""", client)
    assert got["name"] == "EngineTimeout"
    assert got["python"].startswith("3.")


def _quiz_question(page, kind):
    q = page.locator(f'[data-question][data-generate="{kind}"]').first
    if q.count() == 0:
        q = page.locator("[data-question]", has=page.locator(".sh-quiz-weights")).first
    return q


@pytest.mark.parametrize("kind, lesson", [("rnn-h2", "hidden-state"), ("lstm-c1", "lstm"),
                                          ("attention-a1", "translation")])
def test_core_generated_quiz_item_is_graded_by_the_core(page, site_url, kind, lesson):
    from rnncore import demos
    pages = [p for p in SITE.rglob("*.html") if f"generate {kind}" in p.read_text(errors="replace")
             or f'data-generate="{kind}"' in p.read_text(errors="replace")]
    if not pages:
        pytest.skip(f"no built page has a generated {kind} item")
    page.goto(site_url + pages[0].relative_to(SITE).as_posix())
    q = _quiz_question(page, kind)
    q.scroll_into_view_if_needed()
    q.locator(".sh-quiz-weights").wait_for(timeout=READY_MS)
    seed = q.get_attribute("data-seed")
    assert seed is not None, "the generated question does not expose its seed (data-seed)"
    item = demos.quiz_item(kind, int(seed))
    assert re.sub(r"\s+", " ", q.locator(".sh-quiz-weights").inner_text()).strip()   # the weights are shown
    expected = demos.quiz_grade(kind, int(seed), "0")["expected"]
    wrong = f"{expected + 0.25:.3f}"
    q.locator("[data-answer-input]").fill(wrong)
    q.locator("[data-check]").click()
    feedback = q.locator("[data-feedback]")
    page.wait_for_function("el => el.dataset.correct === 'false'", arg=feedback.element_handle(), timeout=30000)
    # a fresh attempt may bring fresh numbers: read the seed again
    seed = q.get_attribute("data-seed")
    expected = demos.quiz_grade(kind, int(seed), "0")["expected"]
    assert item["kind"] == kind
    q.locator("[data-answer-input]").fill(f"{expected:.3f}")
    q.locator("[data-check]").click()
    page.wait_for_function("el => el.dataset.correct === 'true'", arg=feedback.element_handle(), timeout=30000)


def test_a_demo_without_its_engine_says_so(page, tmp_path):
    """A site whose wheel is missing: the demo ends in data-status="error" with a message a reader can act on."""
    for entry in SITE.iterdir():
        if entry.name != "engine":
            (tmp_path / entry.name).symlink_to(entry)
    (tmp_path / "engine").mkdir()
    for entry in (SITE / "engine").iterdir():
        if entry.name != "engine.json":
            (tmp_path / "engine" / entry.name).symlink_to(entry)
    engine = json.loads((SITE / "engine" / "engine.json").read_text())
    (tmp_path / "engine" / "engine.json").write_text(json.dumps({**engine, "wheel": "wheels/missing.whl"}))
    url, server = serve_directory(tmp_path)
    try:
        page.goto(url + demo_page("vanishing-gradient"))
        root = page.locator('[data-demo="vanishing-gradient"]').first
        root.scroll_into_view_if_needed()
        page.wait_for_function("el => el.dataset.status === 'error'", arg=root.element_handle(), timeout=READY_MS)
        message = root.locator("[role=alert]").inner_text()
        assert "engine could not start" in message and "missing.whl" in message, message
    finally:
        server.shutdown()
        page.console_errors.clear()          # the failed wheel request is the point of this test
