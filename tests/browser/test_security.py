"""Nothing from a URL, a message or an imported file runs or becomes markup, and the reader's own code cannot
change what other pages load. Each test tries the attack for real in Chromium against the built site:

- embed URL settings outside a demo's declaration (demos/settings.js) are ignored;
- a playground link's ?code= fills the editor but runs only when the reader presses Run;
- code run in the playground cannot reach Cache Storage, IndexedDB, navigator.storage, a nested worker or
  BroadcastChannel (probed from Python through `import js`, and through JavaScript run from Python), cannot forge
  a demo's result or a quiz's grade, and another page load finds storage exactly as it was;
- chart tooltips show the reader's words as text (ECharts' own escaping);
- a progress file naming __proto__, or a quiz or question this course does not have, is refused;
- an embed answers only allow-listed messages with valid payloads.
"""
import json
import urllib.parse

import pytest

from embed_helpers import parent_site, wait_message
from test_live_demos import READY_MS, demo_page, hook, native, assert_close

PROBE = r'''
import json, js
from pyodide.code import run_js
found = {}
for name in ("caches", "indexedDB", "Worker", "SharedWorker", "BroadcastChannel", "localStorage"):
    found[name] = hasattr(js, name)
found["navigator.storage"] = hasattr(js.navigator, "storage")
found["navigator.serviceWorker"] = hasattr(js.navigator, "serviceWorker")
# the getters behind the globals, wherever on the prototype chain they might still be
found["getter"] = bool(run_js("""(() => {
  for (let o = self; o; o = Object.getPrototypeOf(o)) {
    for (const name of ["caches", "indexedDB"]) if (Object.getOwnPropertyDescriptor(o, name)) return true;
  }
  return typeof WorkerGlobalScope !== "undefined" && ("caches" in WorkerGlobalScope.prototype
    || "indexedDB" in WorkerGlobalScope.prototype);
})()"""))
# try anyway: write into every cache and a database, from here and from a fresh worker
attempts = []
for label, source in [
    ("caches.open", "caches.open('sequencehub-planted').then((c) => c.put('/planted.js', new Response('alert(1)')))"),
    ("indexedDB.open", "indexedDB.open('sequencehub-planted', 1)"),
    ("new Worker", "new Worker(URL.createObjectURL(new Blob(['caches.open(\"sequencehub-planted\")'])))"),
    ("BroadcastChannel", "new BroadcastChannel('sequencehub').postMessage('planted')"),
    ("storage.getDirectory", "navigator.storage.getDirectory()"),
]:
    try:
        run_js(source)
        attempts.append(label)
    except Exception as error:
        pass
# once this run has answered, forge answers to every request id, and an engine status
from pyodide.ffi import create_once_callable
def forge():
    for i in range(1, 200):
        js.postMessage(js.JSON.parse(json.dumps({"id": i, "ok": True, "result": {"correct": True, "stdout": "<b id=forged>"}})))
    js.postMessage(js.JSON.parse(json.dumps({"type": "status", "stage": "error", "message": "<img src=x id=forged>"})))
js.setTimeout(create_once_callable(forge), 0)
# and grade every answer right, in this worker's copy of the core
import rnncore.demos
rnncore.demos.quiz_grade = lambda *a, **k: {"correct": True, "expected": 0, "tolerance": 1, "message": "forged"}
print("PROBE " + json.dumps({"found": found, "succeeded": attempts}))
'''

SNAPSHOT = """async () => {
  const caches_ = {};
  for (const name of await caches.keys()) {
    caches_[name] = (await (await caches.open(name)).keys()).map((r) => r.url).sort();
  }
  const databases = indexedDB.databases ? (await indexedDB.databases()).map((d) => d.name).sort() : [];
  const storage = {};
  for (let i = 0; i < localStorage.length; i++) storage[localStorage.key(i)] = localStorage.getItem(localStorage.key(i));
  return {caches: caches_, databases, storage};
}"""


def wait_ready(page, root):
    root.scroll_into_view_if_needed()
    page.wait_for_function("el => ['ready', 'error'].includes(el.dataset.status)", arg=root.element_handle(),
                           timeout=READY_MS)
    assert root.get_attribute("data-status") == "ready", root.get_attribute("data-error")


# ------------------------------------------------------------------------------------------ URL settings
def test_embed_applies_only_declared_settings_that_fit(page, site_url):
    query = ("?length=500&scale=0.5&gate-bias=2;alert(1)&status=ready&demo=playground&from-url=code"
             "&onclick=alert(1)&hidden_size=64&theme=dark")
    page.goto(f"{site_url}embed/v1/vanishing-gradient/{query}")
    root = page.locator('[data-demo="vanishing-gradient"]')
    wait_ready(page, root)
    attrs = root.evaluate("el => Object.fromEntries(Array.from(el.attributes, (a) => [a.name, a.value]))")
    assert attrs["data-demo"] == "vanishing-gradient"
    assert attrs["data-scale"] == "0.5" and attrs["data-from-url"] == "scale", attrs
    for name in ("data-length", "data-gate-bias", "data-onclick", "onclick", "data-hidden_size"):
        assert name not in attrs, (name, attrs)
    call = hook(root)["call"]
    assert call["kwargs"]["scale"] == 0.5 and call["kwargs"]["length"] == 50, call   # length: the demo's default
    page.console_errors.clear()


def test_settings_declaration_checks_types_ranges_and_lengths(page, site_url):
    page.goto(site_url)
    checks = page.evaluate("""async (base) => {
      const {SETTINGS, checkSetting, settingsOf} = await import(base + "assets/sequencehub/demos/settings.js");
      const cases = [
        ["hidden-state", "cell", "gru"], ["hidden-state", "cell", "GRU"], ["hidden-state", "cell", "gru "],
        ["vanishing-gradient", "length", "200"], ["vanishing-gradient", "length", "201"],
        ["vanishing-gradient", "length", "2e1"], ["vanishing-gradient", "scale", "0.1"],
        ["vanishing-gradient", "scale", "Infinity"], ["text-generation", "prompt", "a\\nb"],
        ["text-generation", "prompt", "x".repeat(201)], ["playground", "code", "print(1)\\nprint(2)"],
        ["playground", "code", "a\\u0000b"], ["playground", "budget", "31"],
      ];
      return {
        results: cases.map(([demo, name, raw]) => checkSetting(settingsOf(demo)[name], raw)),
        proto: Object.keys(settingsOf("__proto__")).length + Object.keys(settingsOf("toString")).length,
        demos: Object.keys(SETTINGS).sort(),
      };
    }""", site_url)
    assert checks["results"] == ["gru", None, None, "200", None, None, "0.1", None, None, None,
                                 "print(1)\nprint(2)", None, None]
    assert checks["proto"] == 0
    import shtest
    embeds = {p.name for p in (shtest.SITE / "embed" / "v1").iterdir() if p.is_dir() and p.name != "quiz"}
    assert set(checks["demos"]) == embeds, "every embeddable demo declares its settings"


def test_playground_link_fills_the_editor_but_runs_nothing(page, site_url):
    code = "print('ran ' + 'from the link')\n"
    page.goto(f"{site_url}embed/v1/playground/?code={urllib.parse.quote(code)}")
    root = page.locator('[data-demo="playground"]')
    wait_ready(page, root)
    assert root.locator("textarea").input_value() == code
    output = page.locator("[data-output]")
    assert output.get_attribute("data-waiting") == "true"
    page.wait_for_timeout(500)
    assert "ran from the link" not in output.text_content()
    assert root.evaluate("el => el.sequencehubResult === undefined")
    page.locator("[data-run]").click()
    page.wait_for_function("() => document.querySelector('[data-output]').textContent.includes('ran from the link')")


def test_playground_site_code_still_runs_on_its_own(page, site_url):
    page.goto(site_url + demo_page("playground"))
    root = page.locator('[data-demo="playground"]')
    wait_ready(page, root)
    result = root.evaluate("el => el.sequencehubResult")
    assert result["stdout"] and not result["stderr"], result


# ------------------------------------------------------------------------------------------ the reader's code
def test_reader_code_cannot_persist_anything_or_forge_other_results(page, site_url):
    lesson = demo_page("playground")
    page.goto(site_url + lesson)
    page.evaluate("() => localStorage.setItem('sequencehub:probe', 'kept')")
    before = page.evaluate(SNAPSHOT)

    demo = page.locator('[data-demo="hidden-state"]')
    wait_ready(page, demo)
    playground = page.locator('[data-demo="playground"]')
    wait_ready(page, playground)
    playground.locator("textarea").fill(PROBE)
    playground.locator("[data-run]").click()
    page.wait_for_function("el => el.sequencehubResult && el.sequencehubResult.stdout "
                           "&& el.sequencehubResult.stdout.includes('PROBE')", arg=playground.element_handle(),
                           timeout=READY_MS)
    result = playground.evaluate("el => el.sequencehubResult")
    probe = json.loads(result["stdout"].split("PROBE ", 1)[1])
    assert not any(probe["found"].values()), probe
    assert probe["succeeded"] == [], probe
    assert page.locator("#forged").count() == 0

    # the demos' engine is untouched: a new request is answered by the core, not by the forgeries
    demo.locator("[data-control='hidden_size']").focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("el => el.sequencehubCall && el.sequencehubCall.kwargs.hidden_size === 7",
                           arg=demo.element_handle(), timeout=READY_MS)
    wait_ready(page, demo)
    got = hook(demo)
    assert_close(got["result"], native(got["call"]))

    # the generated quiz item is graded by the demos' engine: a wrong answer stays wrong, and earns nothing
    question = page.locator("[data-question]:has([data-generated])").first
    question.scroll_into_view_if_needed()
    page.wait_for_function("q => q.querySelector('[data-generated]').dataset.state === 'ready'",
                           arg=question.element_handle(), timeout=READY_MS)
    question.locator("[data-answer-input]").fill("12345")
    question.locator("[data-check]").click()
    question.locator("[data-feedback][data-correct]").wait_for(timeout=READY_MS)
    assert question.locator("[data-feedback]").get_attribute("data-correct") == "false"

    page.wait_for_timeout(500)                     # let any asynchronous attempt land before looking
    assert page.locator("#forged").count() == 0
    assert "PROBE" in playground.locator("[data-output]").text_content()     # its own answer, not a forgery
    after_progress = page.evaluate("() => localStorage.getItem('sequencehub:progress')")
    progress = json.loads(after_progress)
    quiz_id = question.evaluate("q => q.closest('[data-quiz]').dataset.quiz")
    earned = sum(q["xp"] for q in progress["quizzes"][quiz_id]["questions"].values())
    assert earned == 0

    # another page load finds storage exactly as before, apart from the answer the reader gave
    page.goto(site_url)
    after = page.evaluate(SNAPSHOT)
    assert after["caches"] == before["caches"] and after["databases"] == before["databases"], (before, after)
    after["storage"].pop("sequencehub:progress", None)
    before["storage"].pop("sequencehub:progress", None)
    assert after["storage"] == before["storage"]


# ------------------------------------------------------------------------------------------ markup
def test_tooltips_show_the_readers_words_as_text(page, site_url):
    page.goto(site_url + demo_page("bidirectional"))
    root = page.locator('[data-demo="bidirectional"]')
    wait_ready(page, root)
    words = '<img/src=x/id=pwn> <b/id=bold>bold</b> "q"&amp;'       # three words, each markup if unescaped
    root.locator("[data-control='sentence'], input[name='sentence']").first.fill(words)
    root.locator("input[name='sentence']").first.press("Enter")
    page.wait_for_function("([el, w]) => el.sequencehubCall && el.sequencehubCall.kwargs.sentence === w",
                           arg=[root.element_handle(), words], timeout=READY_MS)
    wait_ready(page, root)
    tip = page.evaluate("""async ([el, base]) => {
      const echarts = await import(base + "assets/sequencehub/vendor/echarts.min.js");
      const chart = echarts.getInstanceByDom(el.querySelector(".sh-demo-chart"));
      const tips = [];
      for (let i = 0; i < 4; i++) {
        chart.dispatchAction({type: "showTip", seriesIndex: 0, dataIndex: i * 3});
        await new Promise((r) => setTimeout(r, 100));
        const box = [...el.querySelectorAll(".sh-demo-chart div")].find((d) => d.textContent.includes("t = "));
        tips.push(box ? box.textContent : null);
      }
      return tips;
    }""", [root.element_handle(), site_url])
    assert "(<img/src=x/id=pwn>)" in tip[0] and "(<b/id=bold>bold</b>)" in tip[1], tip
    assert '("q"&amp;)' in tip[2], tip
    assert page.locator("#pwn, #bold").count() == 0


def progress_file(quizzes):
    return json.dumps({"schema": "sequencehub-progress", "version": 1, "updated": "2026-01-01T00:00:00Z",
                       "quizzes": quizzes})


def quiz_entry(questions):
    return {"questions": {q: {"xp": 10} for q in questions}, "attempt": {"number": 1, "answers": {}},
            "passed": True, "best": 1}


@pytest.fixture
def progress_page(page, site_url):
    import shtest
    pages = [p for p in shtest.SITE.rglob("*.html") if "data-progress-panel" in p.read_text(errors="replace")]
    assert pages, "no page has the progress panel"
    page.goto(site_url + pages[0].relative_to(shtest.SITE).as_posix())
    panel = page.locator("article [data-progress-panel]").first
    panel.locator("[data-progress-file]").wait_for(state="attached")
    course = json.loads(page.locator("#sequencehub-course").text_content())
    return page, panel, course


def import_file(page, panel, text):
    message = panel.locator("[data-progress-message]")
    message.evaluate("el => { el.textContent = ''; }")
    panel.locator("[data-progress-file]").set_input_files(
        files=[{"name": "progress.json", "mimeType": "application/json", "buffer": text.encode()}])
    page.wait_for_function("el => el.textContent.includes('mport')", arg=message.element_handle())
    return message.text_content()


def test_progress_import_refuses_prototype_keys_and_unknown_ids(progress_page):
    page, panel, course = progress_page
    quiz_id, info = next(iter(course["quizzes"].items()))
    questions = info["question_ids"]
    assert len(questions) == info["questions"]
    bad = {
        "__proto__ quiz": '{"__proto__": %s}' % json.dumps(quiz_entry(questions)),
        "constructor quiz": {"constructor": quiz_entry(questions)},
        "__proto__ question": '{"%s": {"questions": {"__proto__": {"xp": 10}}, "attempt": {"number": 1, '
                              '"answers": {}}, "passed": true, "best": 1}}' % quiz_id,
        "unknown quiz": {"no-such-quiz": quiz_entry(["q1"])},
        "unknown question": {quiz_id: quiz_entry(["q999"])},
    }
    before = page.evaluate("() => localStorage.getItem('sequencehub:progress')")
    for label, quizzes in bad.items():
        text = progress_file(quizzes) if isinstance(quizzes, dict) else progress_file({}).replace(
            '"quizzes": {}', f'"quizzes": {quizzes}')
        message = import_file(page, panel, text)
        assert "Could not import" in message and "unchanged" in message, (label, message)
        assert page.evaluate("() => localStorage.getItem('sequencehub:progress')") == before, label
        assert page.evaluate("() => ({}).passed === undefined && ({}).questions === undefined"), label
    # the same file with this course's ids is accepted (the refusals above are not blanket ones)
    message = import_file(page, panel, progress_file({quiz_id: quiz_entry(questions)}))
    assert message.startswith("Imported"), message
    stored = json.loads(page.evaluate("() => localStorage.getItem('sequencehub:progress')"))
    assert set(stored["quizzes"]) == {quiz_id}


# ------------------------------------------------------------------------------------------ messages
def test_embed_answers_only_allow_listed_messages(page, site_url, tmp_path):
    url, origin, server = parent_site(tmp_path, f"""
      <iframe id="q" style="width:700px;height:300px"
              src="{site_url}embed/v1/quiz/vanishing-gradient/?origins={{origin}}&frame=q"></iframe>""")
    try:
        page.goto(url)
        wait_message(page, "m.type === 'ready' && m.frame === 'q'")
        send = "(m) => document.getElementById('q').contentWindow.postMessage(m, '*')"
        for message in [{"type": "setState", "requestId": 1}, {"type": "getState", "requestId": {"a": 1}},
                        {"type": "getState", "requestId": "x" * 65}, {"type": "run", "code": "print(1)"},
                        {"type": "__proto__"}, {"type": "toString"}, ["getState"], "getState"]:
            page.evaluate(send, message)
        page.evaluate(send, {"type": "getState", "requestId": "ok-1", "extra": "<b>ignored</b>"})
        reply = wait_message(page, "m.type === 'state' && m.requestId === 'ok-1'")
        assert "extra" not in reply
        page.wait_for_timeout(300)
        states = page.evaluate("window.messages.filter((m) => m.type === 'state')")
        assert [m["requestId"] for m in states] == ["ok-1"], states
    finally:
        server.shutdown()
