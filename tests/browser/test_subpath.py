"""The site built for a public address under a sub-path (SITE_URL=https://courses.example.org/rnn/, the
`public_site` fixture) and served under /rnn/ of a local server, as a project page or any web server would serve
it. In Chromium: pages load and link to each other under /rnn/, search finds a lesson, a demo goes live (the engine's worker, Pyodide's files and the
wheel are all found relative to the page), a quiz earns XP, and the service worker registers with the /rnn/ scope.

Every request stays under /rnn/ (a root-relative URL would leave it), and nothing is fetched from the public host
itself: the `page` fixture fails on any request that leaves 127.0.0.1 and on any console error (a 404 is one).
"""
import json

import pytest

from shtest import PUBLIC_URL, serve_directory

# `make test` runs two pytest-xdist workers: these tests and tests/site/test_hosting.py share the
# sub-path site (conftest's public_site): on one worker it is built once.
pytestmark = pytest.mark.xdist_group("public-site")

READY_MS = 90_000
QUIZ = "vanishing-gradient"             # a lesson quiz without generated items
XP_IS = "xp => { const el = document.querySelector('[data-xp-total]'); return el && +el.textContent.trim() === xp; }"


@pytest.fixture(scope="module")
def rnn_url(public_site):
    url, server = serve_directory(public_site.parent)      # the folder that holds rnn/: the host's document root
    yield url + "rnn/"
    server.shutdown()


@pytest.fixture
def requests(context):
    seen = []
    context.on("request", lambda request: seen.append(request.url))
    return seen


def outside(requests, rnn_url):
    return sorted({url for url in requests if url.startswith("http") and not url.startswith(rnn_url)})


def test_pages_navigation_and_search(page, rnn_url, requests):
    page.goto(rnn_url)
    page.locator("[data-xp-total]").wait_for()             # the engine's own scripts ran (progress header)
    assert page.locator("link[rel=canonical]").get_attribute("href") == PUBLIC_URL
    assert page.evaluate("getComputedStyle(document.querySelector('.md-header')).position") in ("sticky", "fixed")

    # the navigation's links stay under /rnn/ (Material resolves them to absolute URLs as it loads)
    page.locator('.md-nav a[href$="lessons/lstm/"]').first.click()
    page.wait_for_url(rnn_url + "lessons/lstm/")
    page.locator("[data-xp-total]").wait_for()

    # search: the index is found under /rnn/ and its results link there
    page.keyboard.press("/")
    query = page.locator('input[data-md-component="search-query"]')
    query.wait_for()
    query.press_sequentially("forget gate", delay=20)   # Material searches on keyup
    result = page.locator(".md-search-result__item a").first
    result.wait_for(timeout=30_000)
    assert result.get_attribute("href").startswith(rnn_url), result.get_attribute("href")
    assert any(url.startswith(rnn_url + "search/search_index.json") for url in requests)
    assert not outside(requests, rnn_url)


def test_demo_goes_live(page, rnn_url, requests):
    page.goto(rnn_url + "lessons/hidden-state/")
    root = page.locator('[data-demo="hidden-state"]').first
    root.scroll_into_view_if_needed()
    page.wait_for_function("el => ['ready', 'error'].includes(el.dataset.status)", arg=root.element_handle(),
                           timeout=READY_MS)
    assert root.get_attribute("data-status") == "ready", root.get_attribute("data-error")
    engine = json.loads(page.request.get(rnn_url + "engine/engine.json").text())
    for path in ("assets/sequencehub/engine/worker.js", "engine/pyodide/pyodide.asm.wasm", "engine/" + engine["wheel"]):
        assert rnn_url + path in requests, f"{path} was not loaded from under /rnn/"
    assert not outside(requests, rnn_url)


def test_quiz_earns_xp(page, rnn_url, requests):
    page.goto(rnn_url + f"lessons/{QUIZ}/")
    quiz = page.locator(f'[data-quiz="{QUIZ}"][data-status="ready"]')
    quiz.wait_for()
    data = json.loads(quiz.get_attribute("data-quiz-answers"))
    item = next(q for q in data["questions"] if q["kind"] == "single")
    question = quiz.locator(f'[data-question="{item["id"]}"]')
    question.locator(f'[data-option="{item["correct"][0]}"] input').check()
    question.locator("[data-check]").click()
    question.locator('[data-feedback][data-correct="true"]').wait_for()
    page.wait_for_function(XP_IS, arg=data["xp"])
    page.goto(rnn_url + "skills/")                          # progress is read back on another page under /rnn/
    page.wait_for_function(XP_IS, arg=data["xp"])
    assert not outside(requests, rnn_url)


def test_service_worker_scope_is_the_subpath(context, page, rnn_url, requests):
    context.add_init_script("try { localStorage.setItem('sequencehub:offline', 'on'); } catch (e) {}")
    page.goto(rnn_url + "lessons/gru/")
    registration = page.evaluate("""async () => {
      const reg = await navigator.serviceWorker.ready;
      return {scope: reg.scope, script: reg.active.scriptURL};
    }""")
    assert registration == {"scope": rnn_url, "script": rnn_url + "sw.js"}
    page.reload()
    assert page.evaluate("navigator.serviceWorker.controller && navigator.serviceWorker.controller.scriptURL") \
        == rnn_url + "sw.js"
    assert not outside(requests, rnn_url)
