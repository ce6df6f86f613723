"""The course content: lesson structure, front matter, quizzes, demos, FAQ, glossary, diagrams and computed numbers.

Most checks read the Markdown sources (fast, no build). The last group checks a built site when one exists
(``make test`` builds ``site/`` first; set SEQUENCEHUB_SITE to check another build) and is skipped otherwise.
"""
from __future__ import annotations

import itertools
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import jinja2
import pytest
import yaml

from rnncore import course
from rnncore import reference as ref
from sequencehub import apps_macros, macros

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
LESSONS = ["hidden-state", "vanishing-gradient", "lstm", "gru", "bidirectional", "forecasting", "sentiment",
           "translation"]
DEMOS = {"hidden-state", "gate-inspector", "vanishing-gradient", "training-race", "bidirectional",
         "text-generation", "playground", "forecasting", "sentiment", "translation"}
GLOSSARY_FIRST = ["rnn", "hidden-state", "lstm", "vanishing-gradient", "bidirectional-rnn"]


# ----------------------------------------------------------------------------------------------------- helpers
def split_front_matter(text: str) -> tuple[dict, str]:
    match = re.match(r"^---\n(.*?)\n---\n", text, re.S)
    assert match, "page must start with a YAML front matter block"
    return yaml.safe_load(match.group(1)), text[match.end():]


def read(path: Path) -> tuple[dict, str]:
    return split_front_matter(path.read_text(encoding="utf-8"))


def lesson(slug: str) -> tuple[dict, str]:
    return read(DOCS / "lessons" / f"{slug}.md")


MODELS = ROOT / ".build" / "models"
MACROS = macros.Macros(DOCS, MODELS)


def jinja_env() -> jinja2.Environment:
    """The macros as mkdocs-macros registers them, in a strict Jinja environment."""
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    for func in MACROS.functions():
        env.globals[func.__name__] = func
    env.filters["fmt"] = macros.fmt

    class Registrar:                            # the application lessons' macros register as mkdocs-macros does
        def macro(self, func, name=None):
            env.globals[name or func.__name__] = func

        def filter(self, func, name=None):
            env.filters[name or func.__name__] = func

    apps_macros.register(Registrar(), MODELS)
    return env


def rendered(slug_or_path) -> str:
    path = slug_or_path if isinstance(slug_or_path, Path) else DOCS / "lessons" / f"{slug_or_path}.md"
    _, body = read(path)
    return jinja_env().from_string(body).render()


def quiz_blocks(body: str) -> list[tuple[dict, list[list[str]]]]:
    """Each ```quiz fence: (attributes, questions as lists of lines)."""
    out = []
    for attrs, content in re.findall(r"^```quiz([^\n]*)\n(.*?)^```\s*$", body, re.S | re.M):
        attributes = dict(re.findall(r'(\w+)="([^"]*)"', attrs))
        questions = [q.strip("\n").split("\n") for q in re.split(r"\n\s*\n", content.strip("\n")) if q.strip()]
        out.append((attributes, questions))
    return out


def prose(body: str) -> str:
    """The page without fenced code blocks, macro calls and HTML tags: the text a reader reads as typed."""
    body = re.sub(r"^```.*?^```\s*$", " ", body, flags=re.S | re.M)
    body = re.sub(r"\{\{.*?\}\}", " MACRO ", body, flags=re.S)
    body = re.sub(r"<[^>]+>", " ", body)
    return body


# ------------------------------------------------------------------------------------------------ lesson pages
@pytest.mark.parametrize("slug", LESSONS)
def test_lesson_front_matter(slug):
    meta, _ = lesson(slug)
    for key in ("title", "description", "author", "skill", "requires", "order"):
        assert key in meta, f"{slug}: front matter lacks {key!r}"
    assert meta["skill"] == slug
    assert set(meta["author"]) >= {"name", "role"} and all(meta["author"].values())
    assert isinstance(meta["requires"], list) and set(meta["requires"]) <= set(LESSONS) - {slug}
    assert 50 <= len(meta["description"]) <= 320, "description is what search snippets show: one sentence"


def test_lesson_order_and_prerequisites_form_a_path():
    metas = {slug: lesson(slug)[0] for slug in LESSONS}
    assert sorted(m["order"] for m in metas.values()) == list(range(1, len(LESSONS) + 1))
    assert metas["hidden-state"]["requires"] == []
    for slug, meta in metas.items():          # prerequisites come earlier in the track
        assert all(metas[r]["order"] < meta["order"] for r in meta["requires"]), slug


def test_author_cast_is_small_and_consistent():
    authors = {(lesson(s)[0]["author"]["name"], lesson(s)[0]["author"]["role"]) for s in LESSONS}
    names = {name for name, _ in authors}
    assert len(names) <= 3 and len(authors) == len(names), "one role per author, a small cast"


@pytest.mark.parametrize("slug", LESSONS)
def test_summary_box_comes_first(slug):
    _, body = lesson(slug)
    blocks = [b for b in re.split(r"\n\s*\n", body.strip()) if not b.startswith("# ")]
    first = blocks[0].splitlines()
    assert first[0] == '!!! abstract "What, why, how"', f"{slug}: first block must be the summary box"
    bullets = [line.strip() for line in first[1:]]
    assert [b[:9] for b in bullets] == ["- **What:", "- **Why:*", "- **How:*"], bullets


@pytest.mark.parametrize("slug", LESSONS)
def test_lesson_has_diagram_with_title(slug):
    _, body = lesson(slug)
    names = re.findall(r'^\{\{ diagram\("([\w-]+)"\) \}\}$', body, re.M)
    assert names, f"{slug}: no inline diagram"
    for name in names:
        assert (DOCS / "assets" / "diagrams" / f"{name}.svg").is_file(), name
    figure = re.search(r'<figure class="sh-figure">\n\{\{ diagram\([^\n]+\n<figcaption>[^<]', body)
    assert figure, f"{slug}: the diagram sits in a <figure> with a <figcaption>"


@pytest.mark.parametrize("slug", LESSONS)
def test_lesson_demos_are_known_and_introduced(slug):
    _, body = lesson(slug)
    demos = re.findall(r'<div class="sh-demo" data-demo="([\w-]+)"[^>]*markdown></div>', body)
    assert demos, f"{slug}: no live demo"
    assert set(demos) <= DEMOS
    for match in re.finditer(r'<div class="sh-demo"[^\n]*\n', body):   # a sentence around it says what to try
        around = body[max(0, match.start() - 600):match.start()] + body[match.end():match.end() + 600]
        assert re.search(r"[Tt]ry|[Ww]atch|[Mm]ove|[Ss]tart", around), f"{slug}: demo without a 'what to try'"


def test_every_demo_appears_somewhere():
    found = set()
    for slug in LESSONS:
        found |= set(re.findall(r'data-demo="([\w-]+)"', lesson(slug)[1]))
    assert found == DEMOS
    assert 'data-demo="gate-inspector" data-cell="gru"' in lesson("gru")[1]


@pytest.mark.parametrize("slug", LESSONS)
def test_lesson_ends_with_continue_link(slug):
    _, body = lesson(slug)
    last = body.strip().splitlines()[-1]
    match = re.fullmatch(r"\[Continue: [^\]]+ →\]\(([^)]+)\)\{ \.md-button \.md-button--primary \}", last)
    assert match, f"{slug}: last line must be the continue button, got {last!r}"
    index = LESSONS.index(slug)
    expected = f"{LESSONS[index + 1]}.md" if index + 1 < len(LESSONS) else "../skills.md"
    assert match.group(1) == expected


@pytest.mark.parametrize("slug", LESSONS)
def test_lesson_quiz(slug):
    body = rendered(slug)
    quizzes = quiz_blocks(body)
    assert len(quizzes) == 1, f"{slug}: exactly one quiz"
    attrs, questions = quizzes[0]
    assert attrs.get("id") == slug and attrs.get("title")
    assert 3 <= len(questions) <= 5
    kinds = set()
    for q in questions:
        assert q[0].startswith("? "), q
        assert any(line.startswith("! ") for line in q), f"{slug}: question without explanation: {q[0]}"
        single = [line for line in q if re.match(r"\((x| )\) ", line)]
        multi = [line for line in q if re.match(r"\[(x| )\] ", line)]
        numeric = [line for line in q if line.startswith("= ")]
        generated = [line for line in q if line.startswith("@ generate ")]
        if single:
            kinds.add("single")
            assert sum(line.startswith("(x)") for line in single) == 1
        if multi:
            kinds.add("multiple")
            assert any(line.startswith("[x]") for line in multi)
        for options in (single, multi):                # per-option feedback
            for line in options:
                following = q[q.index(line) + 1]
                assert following.startswith("  > "), f"{slug}: option without feedback: {line}"
        if numeric:
            kinds.add("numeric")
            assert re.fullmatch(r"= -?[\d.]+( \+- [\d.]+)?", numeric[0]), numeric[0]
        if generated:
            kinds.add("generated")
            assert generated[0].split()[-1] in course.demos.QUIZ_KINDS
        assert len([k for k in (single, multi, numeric, generated) if k]) == 1, q[0]
    assert {"single", "numeric"} <= kinds, f"{slug}: mix single, multiple and numeric questions"


def test_quiz_ids_are_unique_site_wide():
    ids = []
    for path in DOCS.rglob("*.md"):
        ids += re.findall(r'^```quiz[^\n]*id="([^"]+)"', path.read_text(encoding="utf-8"), re.M)
    assert len(ids) == len(set(ids))


def test_numeric_quiz_answers_come_from_macros():
    for slug in LESSONS:
        _, body = lesson(slug)
        for line in re.findall(r"^= .*$", body, re.M):
            value = line[2:].split("+-")[0]
            if re.search(r"\d{2,}", value):
                assert "{{" in value, f"{slug}: numeric answer typed by hand: {line}"


def test_required_questions():
    _, body = lesson("vanishing-gradient")
    question = "? Which model was designed to solve the vanishing gradient problem?"
    assert question in body
    block = body.split(question, 1)[1].split("\n\n", 1)[0]
    assert "(x) LSTM" in block
    assert "@ generate rnn-h2" in lesson("hidden-state")[1]
    assert "@ generate lstm-c1" in lesson("lstm")[1]


# ------------------------------------------------------------------------------------------------ computed numbers
MACRO_CALL = re.compile(r"\{\{\s*([a-z_]\w*)\s*\(")


@pytest.mark.parametrize("page", sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")))
def test_every_macro_exists_and_renders(page):
    path = DOCS / page
    text = path.read_text(encoding="utf-8")
    env = jinja_env()
    for name in MACRO_CALL.findall(text):
        assert name in env.globals, f"{page}: unknown macro {name}()"
    if text.startswith("---\n"):
        out = rendered(path)
        assert "{{" not in out and "{%" not in out


SIZE_MENTION = re.compile(r"\$?[IH]\s*=\s*\d+\$?|(input|hidden) sizes? (of )?\d+|\d+-dimensional|\d+ (units|layers?)")


def test_parameter_counts_are_not_typed_by_hand():
    """No number in a sentence about parameters may equal a parameter count of any sizes the page mentions."""
    for slug in LESSONS + ["../index", "../faq"]:
        _, body = read(DOCS / "lessons" / f"{slug}.md")
        text = prose(body)
        numbers = {int(n.replace(",", "")) for n in re.findall(r"\b\d[\d,]*\b", text) if n.replace(",", "").isdigit()}
        sizes = sorted(n for n in numbers if 1 <= n <= 4096)
        counts = set()
        for cell, (i, h), bi in itertools.product(macros.GATES, itertools.product(sizes, sizes), (False, True)):
            counts.add((2 if bi else 1) * macros.GATES[cell] * h * (i + h + 2))
        for sentence in re.split(r"(?<=[.!?:])\s", text):
            if "param" not in sentence.lower():
                continue
            sentence = SIZE_MENTION.sub(" ", sentence)          # "H = 512", "input size 3", "300-dimensional"
            typed = {int(n.replace(",", "")) for n in re.findall(r"\b\d[\d,]*\b", sentence)}
            bad = {n for n in typed if n >= 10} & counts
            assert not bad, f"{slug}: parameter count typed by hand in: {sentence.strip()[:120]}"


@pytest.mark.parametrize("cell,gates", [("rnn", 1), ("gru", 3), ("lstm", 4)])
@pytest.mark.parametrize("i,h", [(1, 1), (3, 4), (10, 20), (300, 512)])
def test_param_count_formula(cell, gates, i, h):
    assert MACROS.param_count(cell, i, h) == gates * h * (i + h + 2)
    assert MACROS.param_count(cell, i, h, bidirectional=True) == 2 * gates * h * (i + h + 2)
    assert MACROS.param_count(cell, i, h, bidirectional=True, num_layers=2) == \
        2 * gates * h * (i + h + 2) + 2 * gates * h * (2 * h + h + 2)


def test_parameter_counts_are_the_core_models_sizes():
    import numpy as np

    for cell in ("rnn", "gru", "lstm"):
        model = getattr(course.api, cell.upper())(input_size=3, hidden_size=4)
        size = sum(int(np.prod(p.shape)) for p in model.params.values())
        assert size == MACROS.param_count(cell, 3, 4)
        table = MACROS.param_breakdown(cell, 3, 4)
        assert f"**{size:,}**" in table and all(f"`{name}`" in table for name in model.params)


def test_worked_examples_follow_the_reference():
    """The pages' worked examples (computed by the compiled core) against rnncore.reference, the numpy oracle."""
    import numpy as np

    ex = course.RNN_EXAMPLE
    x = np.array(ex["x"]).reshape(-1, 1, 1)
    y, _, _ = ref.rnn_forward(x, np.zeros((1, 2)), np.array(ex["W_ih"]), np.array(ex["W_hh"]), np.array(ex["b"]),
                              np.zeros(2))
    h_prev = np.zeros(2)
    for t in range(1, len(ex["x"]) + 1):
        a = np.array(ex["W_ih"]) @ x[t - 1, 0] + np.array(ex["W_hh"]) @ h_prev + np.array(ex["b"])
        for unit in range(2):
            assert float(MACROS.rnn_h(t, unit, 6)) == pytest.approx(y[t - 1, 0, unit], abs=1e-6)
            assert float(MACROS.rnn_preact(t, unit, 6)) == pytest.approx(a[unit], abs=1e-6)
        h_prev = y[t - 1, 0]
    assert float(MACROS.rnn_h(0, 1)) == 0
    lx = course.LSTM_EXAMPLE
    y, _, cache = ref.lstm_forward(np.array(lx["x"]).reshape(-1, 1, 1), np.zeros((1, 1)), np.zeros((1, 1)),
                                   np.array([[lx["w_ih"][k]] for k in "ifgo"]),
                                   np.array([[lx["w_hh"][k]] for k in "ifgo"]),
                                   np.array([lx["b"][k] for k in "ifgo"]), np.zeros(4))
    cs, gates = cache[2], cache[3]
    for t in range(1, len(lx["x"]) + 1):
        want = dict(zip("ifgo", (float(g[0, 0]) for g in gates[t - 1])), c=float(cs[t - 1][0, 0]),
                    h=float(y[t - 1, 0, 0]))
        for key in "ifgoch":
            assert float(MACROS.lstm_value(t, key, 6)) == pytest.approx(want[key], abs=1e-6)
    first = course.lstm_example()[0]
    assert first["c"] == pytest.approx(first["i"] * first["g"])    # c_1 = i_1 g_1 when c_0 = 0
    assert float(MACROS.example_spectral_radius(6)) == pytest.approx(
        max(abs(np.linalg.eigvals(np.array(ex["W_hh"])))), abs=1e-6)


def test_memory_table_follows_the_reference():
    import numpy as np

    ex = course.RNN_EXAMPLE
    W = [np.array(ex["W_ih"]), np.array(ex["W_hh"]), np.array(ex["b"]), np.zeros(2)]
    runs = [ref.rnn_forward(np.array([s] + [0.0] * 19).reshape(-1, 1, 1), np.zeros((1, 2)), *W)[0][:, 0]
            for s in (1.0, -1.0)]
    want = np.linalg.norm(runs[0] - runs[1], axis=1)
    np.testing.assert_allclose(course.rnn_memory([1, 2, 5, 10, 20]), want[[0, 1, 4, 9, 19]], rtol=1e-10)


def test_gradient_ratio_follows_the_reference():
    """grad_ratio's norms (the compiled core's BPTT) against rnncore.reference.rnn_backward on the same RNN."""
    import numpy as np

    for rho in (0.5, 0.9, 1.1):
        w_ih, w_hh, x = course._experiment_weights(rho, 50, 32, 0)
        zeros = np.zeros(32)
        _, _, cache = ref.rnn_forward(x, np.zeros((1, 32)), w_ih, w_hh, zeros, zeros)
        _, _, _, norms = ref.rnn_backward(np.zeros((50, 1, 32)), np.ones((1, 32)), cache)
        np.testing.assert_allclose(course.grad_norms(rho), norms, rtol=1e-9)
        assert MACROS.grad_ratio(rho) == macros.sci(float(norms[0] / norms[-1]), 2)


def test_lab_ratio_follows_the_reference():
    import numpy as np

    r = course.demos.gradient_norms(length=100, scale=1.0, gate_bias=2.0, cells=("lstm",))
    p = {k: np.asarray(v, dtype=float) for k, v in r["params"]["lstm"].items()}
    _, _, caches = ref.forward("lstm", p, np.asarray(r["x"])[:, None, :])
    dy = np.zeros((100, 1, 8))
    dy[-1, 0, :] = 1 / np.sqrt(8)
    norms = ref.backward("lstm", caches, dy)[3][0]
    assert MACROS.lab_ratio("lstm") == macros.sci(float(norms[0] / norms[-1]), 2)


def test_charlm_facts_come_from_the_model_file():
    path = MODELS / "charlm.json"
    if not path.is_file():
        pytest.skip("no .build/models/charlm.json: run `make models`")
    import json

    model = json.loads(path.read_text(encoding="utf-8"))
    V, H = len(model["vocab"]), model["hidden_size"]
    assert MACROS.charlm("params") == 4 * H * (V + H + 2) + H * V + V
    assert (MACROS.charlm("vocab"), MACROS.charlm("hidden")) == (V, H)
    assert MACROS.charlm("steps") == model["training"]["steps"]


def test_deployment_numbers():
    assert MACROS.rnn_state_bytes("lstm", 512, 2) == 2 * 512 * 2 * 2
    assert MACROS.rnn_state_bytes("gru", 512, 2) == 512 * 2 * 2
    assert MACROS.kv_cache_bytes(1000, 12, 768) == 2 * 12 * 1000 * 768 * 2
    assert macros.human_bytes(4096) == "4 KiB"
    assert float(MACROS.clip_scale(50, 5)) == pytest.approx(0.1)
    assert float(MACROS.dtanh_max()) == 1 and float(MACROS.dsigmoid_max()) == pytest.approx(0.25)


def test_gradient_decays_faster_for_smaller_spectral_radius():
    def value(tex):
        mant, _, exp = tex.partition(r" \times 10^")
        return float(mant) * (10 ** int(exp.strip("{}")) if exp else 1)

    assert value(MACROS.grad_ratio(0.5)) < value(MACROS.grad_ratio(0.9)) < 1


# ------------------------------------------------------------------------------------------------ FAQ, glossary
def test_faq_questions_have_answers():
    _, body = read(DOCS / "faq.md")
    sections = re.split(r"^## ", body, flags=re.M)[1:]
    assert len(sections) >= 12
    for section in sections:
        heading, _, answer = section.partition("\n")
        assert heading.strip().endswith("?"), heading
        assert len(answer.strip()) > 120, f"FAQ answer too short: {heading}"
    headings = " ".join(s.partition("\n")[0].lower() for s in sections)
    for topic in ("machine learning", "neural network", "nlp", "cell state", "tanh", "gru", "vanish",
                  "transformer", "hidden size", "teacher forcing", "nan", "offline"):
        assert topic in headings, f"FAQ lacks a question about {topic}"


GLOSSARY_ENTRY = re.compile(
    r"^### (?P<term>[^\n{]+?) \{ #(?P<id>[a-z0-9-]+) \}\n"
    r"\*\*Definition:\*\* (?P<definition>[^\n]+)\n"
    r"\*\*Code:\*\* `(?P<code>[^`\n]+)`\n"
    r"\*\*Taught in:\*\* \[(?P<where>[^\]]+)\]\((?P<href>[^)\s]+)\)\n"
    r"\*\*Also:\*\* (?P<also>[^\n]+)$", re.M)


def test_glossary_entries_follow_the_contract():
    _, body = read(DOCS / "glossary.md")
    headings = re.findall(r"^### ", body, re.M)
    entries = list(GLOSSARY_ENTRY.finditer(body))
    assert len(entries) == len(headings), "every ### entry must match the contract's five-line format"
    assert len(entries) >= 18
    ids = [e["id"] for e in entries]
    assert ids[:5] == GLOSSARY_FIRST
    assert len(set(ids)) == len(ids)
    for e in entries:
        target = (DOCS / e["href"].split("#")[0]).resolve()
        assert target.is_file(), f"{e['term']}: Taught in link {e['href']} is broken"
        assert e["definition"].endswith("."), e["term"]
        assert all(alias.strip() for alias in e["also"].split(","))


# ------------------------------------------------------------------------------------------------ overview, diagrams
def test_overview_page():
    meta, body = read(DOCS / "index.md")
    assert meta.get("title") and meta.get("description")
    for slug in LESSONS:
        assert f"lessons/{slug}.md" in body
    assert "WebAssembly" in body and "server" in body


@pytest.mark.parametrize("svg", sorted(p.name for p in (DOCS / "assets" / "diagrams").glob("*.svg")))
def test_diagram_is_accessible_and_theme_neutral(svg):
    text = (DOCS / "assets" / "diagrams" / svg).read_text(encoding="utf-8")
    root = ET.fromstring(text)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.get("role") == "img" and root.get("aria-labelledby")
    title = root.find(f"{ns}title")
    assert title is not None and title.text.strip()
    assert root.find(f"{ns}desc") is not None
    assert "currentColor" in text
    assert not re.search(r'(fill|stroke|color)="(#000(000)?|#fff(fff)?|black|white)"', text, re.I), \
        "hard-coded black/white breaks one of the two palettes"
    ids = re.findall(r'\bid="([^"]+)"', text)
    assert all(i.startswith("sh-") for i in ids), "inline SVG ids share the page's namespace: prefix them"
    assert "\n\n" not in text, "a blank line would end the raw HTML block the diagram is inlined in"


# ------------------------------------------------------------------------------------------------ the built site
SITE = Path(os.environ.get("SEQUENCEHUB_SITE", ROOT / "site"))
built = pytest.mark.skipif(not (SITE / "lessons" / "hidden-state" / "index.html").is_file(),
                           reason="site not built (make site)")


@built
@pytest.mark.parametrize("url", ["", "lessons/hidden-state/", "lessons/vanishing-gradient/", "lessons/lstm/",
                                 "lessons/gru/", "lessons/bidirectional/", "lessons/forecasting/",
                                 "lessons/sentiment/", "lessons/translation/", "faq/", "glossary/"])
def test_built_urls_exist(url):
    assert (SITE / url / "index.html").is_file()


@built
@pytest.mark.parametrize("slug", LESSONS)
def test_built_lesson(slug):
    html = (SITE / "lessons" / slug / "index.html").read_text(encoding="utf-8")
    assert "admonition abstract" in html
    assert 'class="sh-math' in html and 'class="katex' in html, "equations are typeset at build time"
    assert re.search(r"<svg[^>]+sh-diagram", html), "the diagram is inlined (currentColor follows the theme)"
    assert 'data-demo="' in html
    assert f'data-quiz="{slug}"' in html, "the quiz fence became the quiz widget's root"
    assert "md-button--primary" in html
    assert "{{" not in html.split("<main", 1)[-1].split("</main>", 1)[0].replace("{{ super() }}", "")


@built
def test_every_formula_is_typeset_at_build_time():
    """KaTeX typesets every $...$ and $$...$$ when the site is built (a typo fails the build): the pages ship the
    math as HTML + MathML, with no TeX left for a script to typeset and no math script."""
    formulas = 0
    for page in SITE.rglob("index.html"):
        text = page.read_text(encoding="utf-8")
        main = text.split("<main", 1)[-1].split("</main>", 1)[0]
        main = re.sub(r"<(annotation|code)[^>]*>.*?</\1>", "", main, flags=re.S)     # MathML keeps the TeX
        assert 'class="arithmatex"' not in text, page
        assert "\\(" not in main and "\\[" not in main, f"{page}: raw TeX left"
        formulas += text.count('class="katex"')
        assert "auto-render" not in text and "katex.mjs" not in text, page
    assert formulas > 100
    assert not list((SITE / "assets" / "vendor" / "katex").rglob("*.js")) + \
        list((SITE / "assets" / "vendor" / "katex").rglob("*.mjs")), "no math script is published"
    fonts = {p.suffix for p in (SITE / "assets" / "vendor" / "katex" / "fonts").iterdir()}
    assert fonts == {".woff2"}, "one font format"


def test_claims_the_lessons_make_about_computed_numbers_hold():
    """The prose around some computed numbers makes a claim; if the core or the demos change, the claim must too."""
    def value(tex):
        mant, _, exp = tex.partition(r" \times 10^")
        return float(mant) * (10 ** int(exp.strip("{}")) if exp else 1)

    # lesson 2: "the gated cells keep many orders of magnitude more"; at gate bias 0 the LSTM falls like the RNN
    rnn, lstm, gru = (value(MACROS.lab_ratio(c)) for c in ("rnn", "lstm", "gru"))
    assert lstm > 1e3 * rnn and gru > 1e3 * rnn
    assert value(MACROS.lab_ratio("lstm", gate_bias=0)) < 1e-3 * lstm
    # lesson 2: "a tanh RNN ... even with rho = 1.1 the gradient still shrinks"
    assert value(MACROS.grad_ratio(1.1)) < 1
    # lesson 3: the plain RNN stays at the baseline, the gated cells get below half of it
    assert MACROS.race_learned_at("rnn").startswith("not within")
    assert MACROS.race_learned_at("gru").startswith("after") and MACROS.race_learned_at("lstm").startswith("after")
    # lesson 1: the first input's trace fades, and W_hh is contractive
    assert float(MACROS.example_spectral_radius()) < 1
