"""What the build does for phones and slow connections, read from the built site and the plugin's modules: math
typeset by KaTeX at build time (bad TeX fails with the formula), the offline cache's manifest (what it keeps, with
each file's hash), the glossary in its jump list's order, the author meta tag, the 404 page."""
import hashlib
import html
import json
import re
import shutil

import pytest

from sequencehub import mathtex
from sequencehub.embed import offline
from shtest import ROOT, SITE

built = pytest.mark.skipif(not (SITE / "index.html").exists(), reason="site/ not built (make site)")
needs_node = pytest.mark.skipif(shutil.which("node") is None or mathtex.find_katex([ROOT / "node_modules"]) is None,
                                reason="node or node_modules/katex missing (make deps)")


@needs_node
def test_katex_typesets_a_page_in_one_round_trip_and_names_bad_tex():
    math = mathtex.BuildMath()
    math.on_config([ROOT / "node_modules"])
    try:
        out = math.typeset('<p><span class="arithmatex">\\(h_t &lt; 1\\)</span> and</p>'
                           '<div class="arithmatex">\\[\\sigma(a) = \\frac{1}{1+e^{-a}}\\]</div>', "docs/x.md")
        assert out.count('class="katex"') == 2 and 'class="katex-display"' in out
        assert "<annotation encoding=\"application/x-tex\">h_t &lt; 1</annotation>" in out   # MathML for readers
        assert "arithmatex" not in out and "\\(" not in out
        with pytest.raises(mathtex.MathError, match=r"docs/y\.md: cannot typeset '\\\\frac\{a'"):
            math.typeset('<span class="arithmatex">\\(\\frac{a\\)</span>', "docs/y.md")
        assert 'class="katex"' in math.typeset('<span class="arithmatex">\\(b\\)</span>', "z")    # still serving
        assert math.katex.count == 3
        assert '<span class="sh-math__text" hidden>hₜ &lt; 1</span>' in out     # what the search index reads
    finally:
        math.close()


@built
def test_search_index_reads_math_as_text_not_glyphs():
    """Each formula is in the index once, as readable text (cₜ), never as KaTeX's glyph runs or raw TeX."""
    docs = json.loads((SITE / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    lstm = " ".join(d["text"] for d in docs if d["location"].startswith("lessons/lstm/"))
    assert "a cell state cₜ, a long-term memory" in lstm
    assert "Lead instructor" not in lstm, "the author card's run-together text is indexed"
    texts = re.sub(r"<code>.*?</code>", "", " ".join(d["text"] for d in docs), flags=re.S)   # TeX shown as code
    assert "\u200b" not in texts, "KaTeX's zero-width struts reached the index: rendered math was indexed"
    assert "\\(" not in texts and "\\frac" not in texts and "application/x-tex" not in texts


def manifest():
    text = (SITE / "sw.js").read_text(encoding="utf-8")
    return json.loads(re.search(r"const MANIFEST = (\{.*?\});", text).group(1))


@built
def test_offline_manifest_keeps_what_reading_needs_with_hashes():
    files = manifest()["files"]
    assert isinstance(files, dict)
    for url in ("./", "lessons/lstm/", "404.html", "search/search_index.json", "engine/engine.json",
                "assets/sequencehub/main.js", "assets/sequencehub/vendor/echarts.min.js"):
        assert url in files, url
    assert any(u.endswith(".whl") for u in files) and any(u.endswith(".wasm") for u in files)
    assert any(u.endswith(".woff2") for u in files)
    for url in files:
        assert not url.startswith(("embed/", "quizzes/", "scorm/")), url
        assert not url.endswith((".woff", ".ttf", ".map")), url
        assert not (url.startswith("assets/javascripts/lunr/")), f"{url}: the site searches in English only"
    for url, digest in list(files.items())[:40]:
        path = SITE / (url + "index.html" if url.endswith("/") or url == "./" else url)
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, url


@built
def test_glossary_entries_follow_the_jump_list():
    text = (SITE / "glossary" / "index.html").read_text(encoding="utf-8")
    index = re.search(r'class="sh-glossary__index".*?</ul>', text, re.S).group(0)
    jump = re.findall(r'href="#([^"]+)"', index)
    body = text[text.index(index) + len(index):]
    entries = [m for m in re.findall(r'<h3[^>]* id="([^"]+)"', body) if m in jump]
    assert jump and entries == jump


@built
def test_meta_description_is_the_front_matter_escaped():
    """MkDocs' Jinja does not autoescape: the theme escapes the description (a quote would end the attribute)."""
    import yaml
    for md in sorted((ROOT / "docs" / "lessons").glob("*.md")):
        front = yaml.safe_load(md.read_text(encoding="utf-8").split("---")[1])
        text = (SITE / "lessons" / md.stem / "index.html").read_text(encoding="utf-8")
        raw = re.search(r'<meta name="description" content="([^"]*)">', text).group(1)
        assert html.unescape(raw) == front["description"], md.name
        assert "&" not in front["description"] or "&amp;" in raw, f"{md.name}: the description is not escaped"
    assert any("&" in yaml.safe_load(md.read_text(encoding="utf-8").split("---")[1])["description"]
               for md in (ROOT / "docs" / "lessons").glob("*.md")), "no description exercises the escaping"


@built
def test_author_meta_holds_a_name():
    text = (SITE / "lessons" / "lstm" / "index.html").read_text(encoding="utf-8")
    author = html.unescape(re.search(r'<meta name="author" content="([^"]*)"', text).group(1))
    assert author == "Mira Castell"


@built
def test_404_page_helps():
    text = (SITE / "404.html").read_text(encoding="utf-8")
    main = text.split("<article", 1)[-1]
    assert 'for="__search"' in main, "a way to search"
    assert main.count('href="/lessons/') >= 5, "the lessons"


def test_vanishing_gradient_text_matches_the_lab_it_describes():
    """The lesson quotes the lab at the length its slider starts at, and the claims made there hold."""
    from sequencehub.macros import Macros
    lab = (ROOT / "overrides/sequencehub/assets/demos/vanishing-gradient.js").read_text(encoding="utf-8")
    start = int(re.search(r"length: Number\(el\.dataset\.length\) \|\| (\d+)", lab).group(1))
    text = (ROOT / "docs/lessons/vanishing-gradient.md").read_text(encoding="utf-8")
    quoted = set(re.findall(r'lab_ratio\("\w+", length=(\d+)', text))
    assert quoted == {str(start)}, f"the text quotes lengths {quoted}, the lab starts at {start}"

    def value(tex):
        mant, _, exp = tex.partition(r" \times 10^")
        return float(mant) * (10 ** int(exp.strip("{}")) if exp else 1)

    rnn, lstm, gru = (value(Macros.lab_ratio(c, length=start)) for c in ("rnn", "lstm", "gru"))
    assert min(lstm, gru) > 1e3 * rnn, "the gated cells keep many orders of magnitude more"
    assert value(Macros.lab_ratio("lstm", length=start, gate_bias=0)) < 1e-3 * lstm
