"""The plugin on another MkDocs site: a minimal site in a temporary folder (MkDocs' own `mkdocs` theme) with the
plugin, one quiz, one demo and one figure of an application model (through mkdocs-macros), built with --strict and
served on its own origin; in Chromium the quiz works, the demo reaches ready, and nothing is requested outside that
origin.

Two installs of the plugin, as course authors get it:
- "checkout": this project's development install, the engine, models and libraries named by plugin options;
- "wheel": a wheel pip builds from this project (after ``python -m sequencehub.embed.packaging ship``), installed
  with no options into a fresh virtualenv: the plugin, its assets, the engine, the models and the vendored
  libraries must all come from the installed package. (Its core is compiled with RNNCORE_DEBUG=1, -O0, which
  takes seconds instead of minutes; the wheel's packaging, the subject here, is the same.)
"""
import json
import os
import pathlib
import subprocess
import sys
import sysconfig
import textwrap
import venv

import pytest

from shtest import ROOT, serve_directory
from embed_helpers import answer_choice

# `make test` runs two pytest-xdist workers: this module's tests run on one of them, which builds
# each of the other sites (checkout, wheel) once.
pytestmark = pytest.mark.xdist_group("plugin-site")

ENGINE = ROOT / ".build" / "engine"
MODELS = ROOT / ".build" / "models"
CHARTS = ROOT / "overrides" / "sequencehub" / "assets" / "vendor" / "echarts.min.js"    # `make charts`, git-ignored


SITE_DOC = textwrap.dedent("""\
    # Recurrent networks, briefly

    A hidden state carries what the network has read so far. The forecasting model holds out the last
    {{ app_fact("forecast", "holdout") }} months.

    <div class="sh-demo" data-demo="hidden-state" markdown></div>

    ```quiz id="other-site-quiz" title="Check" xp="5"
    ? Which model was designed to solve the vanishing gradient problem?
    ( ) A deeper plain RNN
      > Depth multiplies in more Jacobians.
    (x) LSTM
      > Right: its additive cell-state path lets gradients flow.
    ! The LSTM was designed around a constant error carousel.
    ```
    """)


def run(cmd, **kw):
    result = subprocess.run(cmd, capture_output=True, text=True, **kw)
    assert result.returncode == 0, f"$ {' '.join(map(str, cmd))}\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def write_site(root, options):
    plugin = ["  - sequencehub" + (":" if options else "")] + [f"      {k}: {v}" for k, v in options.items()]
    lines = ["site_name: Another course", "theme:", "  name: mkdocs", "  highlightjs: false",
             "plugins:", "  - search", "  - macros:", "      modules: [sequencehub.apps_macros]", *plugin,
             "markdown_extensions:", "  - attr_list", "  - md_in_html"]
    (root / "mkdocs.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "docs").mkdir()
    (root / "docs" / "index.md").write_text(SITE_DOC, encoding="utf-8")


def source_copy(dest):
    """This project's files as a clean clone has them (tracked, plus new files git does not ignore)."""
    files = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT).split("\0")
    for rel in filter(None, files):
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            (dest / rel).write_bytes(src.read_bytes())


def wheel_python(tmp):
    """A virtualenv (seeing this interpreter's packages: mkdocs, its dependencies) with the project's wheel
    installed; returns its python. This interpreter is itself the project's .venv, whose packages a nested venv's
    `system_site_packages` would not see: a .pth file names its site-packages folder instead (a plain path line,
    so the .pth files in that folder, the project's editable install among them, are not run)."""
    src, dist = tmp / "src", tmp / "dist"
    source_copy(src)
    env = {**os.environ, "PYTHONPATH": str(src / "overrides")}        # ship into the copy, not the checkout
    run([sys.executable, "-m", "sequencehub.embed.packaging", "ship", "--engine", ENGINE, "--models", MODELS,
         "--node-modules", ROOT / "node_modules", "--charts", CHARTS], cwd=src, env=env)
    assert (src / "overrides" / "sequencehub" / "engine" / "engine.json").is_file()
    run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", dist, src],
        cwd=src, env={**os.environ, "RNNCORE_DEBUG": "1"})
    (wheel,) = dist.glob("sequencehub-*.whl")
    venv.create(tmp / "venv", with_pip=False)
    python = tmp / "venv" / "bin" / "python"
    purelib = run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).strip()
    (pathlib.Path(purelib) / "parent-env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run([sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", "--no-index", wheel])
    where = run([python, "-c", "import rnncore, sequencehub; print(rnncore.__file__); print(sequencehub.__file__)"],
                cwd=tmp)
    site_packages = str(tmp / "venv" / "lib")
    assert all(line.startswith(site_packages) for line in where.split()), f"not the wheel's copy: {where}"
    return python


@pytest.fixture(scope="module", params=["checkout", "wheel"])
def other_site(request, tmp_path_factory):
    if not (ENGINE / "engine.json").is_file():
        pytest.fail(".build/engine is not built: run `make engine` (make test does it first)")
    tmp = tmp_path_factory.mktemp("other-site-" + request.param)
    root = tmp / "site-src"
    root.mkdir()
    if request.param == "checkout":
        python = sys.executable
        write_site(root, {"engine_dir": ENGINE, "models_dir": MODELS, "node_modules": ROOT / "node_modules"})
    else:
        python = wheel_python(tmp)
        write_site(root, {})
    # not -q: MkDocs drops warnings below its log level before --strict counts them
    run([python, "-m", "mkdocs", "build", "--strict"], cwd=root)
    url, server = serve_directory(root / "site")
    yield root / "site", url
    server.shutdown()


def test_app_macros_read_the_models_the_plugin_ships(other_site):
    """sequencehub.apps_macros finds the models where the plugin does: models_dir, else the wheel's own copy."""
    site, _ = other_site
    holdout = json.loads((MODELS / "forecast.json").read_text(encoding="utf-8"))["holdout"]
    assert f"holds out the last\n{holdout} months." in (site / "index.html").read_text(encoding="utf-8")


def test_quiz_and_demo_work_on_another_site(page, other_site):
    site, url = other_site
    assert (site / "engine" / "engine.json").is_file() and (site / "assets" / "sequencehub" / "main.js").is_file()
    page.goto(url)
    page.locator('[data-demo="hidden-state"]').scroll_into_view_if_needed()   # demos start once visible
    page.wait_for_function(
        "() => document.querySelector('[data-demo=\"hidden-state\"]').dataset.status === 'ready'", timeout=60_000)
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
