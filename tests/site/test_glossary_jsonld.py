"""Glossary tooltips (first occurrence, whole words, never in code, math, headings, links or widgets) and JSON-LD
script escaping, on small inputs."""
import json
import re

from sequencehub import glossary, jsonld

ENTRIES_MD = """\
### Recurrent neural network (RNN) { #rnn }
**Definition:** A network that reads a sequence *one step* at a time.
**Code:** `h[t]`
**Taught in:** [The hidden state](lessons/hidden-state.md)
**Also:** RNN, RNNs, recurrent network

### Hidden state { #hidden-state }
**Definition:** The vector an RNN carries between steps.
**Code:** `h`
**Taught in:** [The hidden state](lessons/hidden-state.md)
**Also:** hidden states
"""


def tooltips():
    entries, errors = glossary.parse(ENTRIES_MD)
    assert errors == [] and [e.id for e in entries] == ["rnn", "hidden-state"]
    return glossary.Tooltips(entries)


def links(html):
    return re.findall(r'<a class="sh-term" href="([^"]+)" title="([^"]+)" data-term="[^"]+">([^<]+)</a>', html)


def test_first_occurrence_whole_word_and_case_rules():
    html = ("<p>An RNN keeps its hidden state. Another RNN, more hidden states.</p>"
            "<p>rnn in lower case is not the acronym; TheRNN is not a word; Hidden State matches any case.</p>")
    out = tooltips().apply(html, lambda e: f"glossary/#{e.id}")
    found = links(out)
    assert [(href, text) for href, _, text in found] == [("glossary/#rnn", "RNN"), ("glossary/#hidden-state", "hidden state")]
    assert found[0][1] == "Recurrent neural network (RNN): A network that reads a sequence one step at a time."
    assert "TheRNN" in out and "rnn in lower case" in out


def test_never_inside_code_math_headings_links_or_widgets():
    html = ('<h2 id="x">RNN</h2><p><code>RNN</code> <a href="#">RNN</a> <span class="arithmatex">\\(RNN\\)</span></p>'
            '<section class="sh-quiz" data-quiz="q"><p>RNN</p></section><div data-demo="d"><p>RNN</p></div>'
            "<pre><code>hidden state</code></pre><p>Finally an RNN.</p>")
    out = tooltips().apply(html, lambda e: "g")
    assert [text for _, _, text in links(out)] == ["RNN"]
    assert out.endswith("<p>Finally an <a class=\"sh-term\" href=\"g\" title=\"Recurrent neural network (RNN): A network "
                        "that reads a sequence one step at a time.\" data-term=\"rnn\">RNN</a>.</p>")


def test_markup_is_copied_exactly():
    html = '<p class="a">x &amp; y &#169; <!-- c --><br/><img src="i.png" alt="RNN"></p><svg><path d="M0 0"/></svg>'
    assert tooltips().apply(html, lambda e: "g") == html


def test_malformed_entries_report_lines():
    _, errors = glossary.parse("intro\n\n### Broken heading\n**Definition:** x\n", first_line=5)
    assert errors[0].line == 7 and "### Term { #term-id }" in errors[0].message
    _, errors = glossary.parse(ENTRIES_MD.replace("**Also:** hidden states", "Also: hidden states"))
    assert errors[0].line == 11 and "`**Also:** ...`" in errors[0].message


def test_glossary_page_becomes_cards_with_an_index():
    entries, _ = glossary.parse(ENTRIES_MD)
    out = glossary.rewrite_markdown("# Glossary\n\n" + ENTRIES_MD, entries)
    assert out.index('class="sh-glossary__index"') < out.index("### Recurrent")
    assert out.count('<div class="sh-glossary__entry" markdown="1">') == 2
    assert "[The hidden state](lessons/hidden-state.md)" in out       # MkDocs still resolves the link


def test_jsonld_script_cannot_be_closed_early():
    tag = jsonld.script_tag({"text": "</script><script>alert(1)</script> <!-- x"})
    body = tag[len('<script type="application/ld+json">'):-len("</script>")]
    assert "</script" not in body and "<!--" not in body
    assert json.loads(body)["text"] == "</script><script>alert(1)</script> <!-- x"
