"""The plugin on another MkDocs site: a minimal site in a temporary folder (MkDocs' own `mkdocs` theme) with the
plugin, one quiz and one demo, built with --strict and served on its own origin; in Chromium the quiz works, the
demo reaches ready, and nothing is requested outside that origin."""
import subprocess
import sys
import textwrap

import pytest

from shtest import ROOT, serve_directory
from embed_helpers import answer_choice

ENGINE = ROOT / ".build" / "engine"
MODELS = ROOT / ".build" / "models"


@pytest.fixture(scope="module")
def other_site(tmp_path_factory):
    if not (ENGINE / "engine.json").is_file():
        pytest.fail(".build/engine is not built: run `make engine` (make test does it first)")
    root = tmp_path_factory.mktemp("other-site")
    (root / "docs").mkdir()
    (root / "mkdocs.yml").write_text(textwrap.dedent(f"""\
        site_name: Another course
        theme:
          name: mkdocs
          highlightjs: false
        plugins:
          - search
          - sequencehub:
              engine_dir: {ENGINE}
              models_dir: {MODELS}
              node_modules: {ROOT / "node_modules"}
        markdown_extensions:
          - attr_list
          - md_in_html
        """), encoding="utf-8")
    (root / "docs" / "index.md").write_text(textwrap.dedent("""\
        # Recurrent networks, briefly

        A hidden state carries what the network has read so far.

        <div class="sh-demo" data-demo="hidden-state" markdown></div>

        ```quiz id="other-site-quiz" title="Check" xp="5"
        ? Which model was designed to solve the vanishing gradient problem?
        ( ) A deeper plain RNN
          > Depth multiplies in more Jacobians.
        (x) LSTM
          > Right: its additive cell-state path lets gradients flow.
        ! The LSTM was designed around a constant error carousel.
        ```
        """), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q"], cwd=root,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    url, server = serve_directory(root / "site")
    yield root / "site", url
    server.shutdown()


def test_quiz_and_demo_work_on_another_site(page, other_site):
    site, url = other_site
    assert (site / "engine" / "engine.json").is_file() and (site / "assets" / "sequencehub" / "main.js").is_file()
    page.goto(url)
    page.locator('[data-demo="hidden-state"]').scroll_into_view_if_needed()   # demos start once visible
    page.wait_for_function(
        "document.querySelector('[data-demo=\"hidden-state\"]').dataset.status === 'ready'", timeout=60_000)
    question = page.locator('[data-quiz="other-site-quiz"] [data-question]').first
    answer_choice(question, "LSTM")
    feedback = question.locator("[data-feedback]").first
    feedback.wait_for()
    assert feedback.get_attribute("data-correct") == "true"


def test_other_site_gets_embed_pages(page, other_site):
    site, url = other_site
    assert (site / "embed" / "v1" / "quiz" / "other-site-quiz" / "index.html").is_file()
    page.goto(url + "embed/v1/quiz/other-site-quiz/")
    answer_choice(page.locator("[data-question]").first, "LSTM")
    page.locator("[data-feedback][data-correct='true']").first.wait_for()
