"""The plugin's one HTML reader (sequencehub.htmltext) and its partials (sequencehub.render)."""
import pytest

from rnncore import course, demos
from sequencehub import htmltext
from sequencehub.render import Partials

PAGE = ('<!doctype html><html lang="en"><head><title>a &amp; b</title><!-- c --></head><body>'
        '<h2 id="q1">First?<a class="headerlink" href="#q1">¶</a></h2><p>One &#x41; <b>bold</b></p>'
        '<h2 id="q2">Second?</h2><p>Two</p><h1>Next part</h1><div data-x="1"><div>in</div></div>'
        '<img src="a.png" data-src="keep.png"><br/><script>if (a < b) {}</script></body></html>')


def test_tokens_cover_the_source_exactly():
    toks = htmltext.tokens(PAGE)
    assert "".join(PAGE[t.start:t.end] for t in toks) == PAGE
    assert [t.tag for t in toks if t.kind == "start"][:3] == ["html", "head", "title"]


def test_text_sections_and_elements():
    assert htmltext.text_of("<p>a<b>b</b> &amp; <script>x</script><!-- no -->c</p>") == "a b & c"
    assert htmltext.sections(PAGE) == [("First?", "q1", "<p>One &#x41; <b>bold</b></p>"),
                                       ("Second?", "q2", "<p>Two</p>")]
    (el,) = htmltext.elements(PAGE, htmltext.with_attribute("data-x"))
    assert el.outer == '<div data-x="1"><div>in</div></div>' and el.inner == "<div>in</div>"


def test_rewrites_splice_and_leave_the_rest_byte_for_byte():
    out = htmltext.insert_before_end(PAGE, "head", "<meta>")
    assert out == PAGE.replace("</head>", "<meta></head>")
    assert htmltext.insert_before_end("<p>no head</p>", "head", "x") == "<p>no head</p>"
    assert htmltext.insert_after(PAGE, "h1", "CARD") == PAGE.replace("</h1>", "</h1>CARD")
    text = htmltext.rewrite_text(PAGE, lambda t, stack: t.upper() if stack and stack[-1][0] == "b" else t)
    assert text == PAGE.replace("<b>bold</b>", "<b>BOLD</b>")            # the script's "<" untouched


def test_url_rewrite_reads_only_src_and_href():
    out = htmltext.rewrite_urls(PAGE, lambda name, url: [("data-site-" + name, url)] if url == "a.png" else None)
    assert '<img data-site-src="a.png" data-src="keep.png">' in out
    assert htmltext.rewrite_urls(PAGE, lambda name, url: None) == PAGE


@pytest.mark.parametrize("kind", demos.QUIZ_KINDS)
def test_generated_prompt_shows_the_cores_numbers(kind):
    item = course.quiz_instance(kind, 3)
    prompt = Partials().generated_prompt(kind, item["numbers"], item["tolerance"])
    assert 'class="sh-quiz-weights"' in prompt and "<template" not in prompt
    first = item["numbers"]["h" if kind == "attention-a1" else "x"][0]          # the first input it reads
    assert f">{first:g}<".replace("-", "\u2212") in prompt
    assert f"±<span data-number=\"tolerance\">{item['tolerance']:g}</span>" in prompt


def test_a_site_overrides_a_partial_from_its_custom_dir(tmp_path):
    theme = tmp_path / "partials" / "sequencehub"
    theme.mkdir(parents=True)
    (theme / "author.html").write_text('<p class="mine">{{ author.name }}</p>', encoding="utf-8")
    assert Partials([str(tmp_path)]).author_card({"name": "Ada <Example>"}) == '<p class="mine">Ada &lt;Example&gt;</p>'
    assert 'class="sh-author"' in Partials().author_card("Ada")
