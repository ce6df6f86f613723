"""Math typeset when the site is built, with KaTeX's server-side rendering (the pinned npm ``katex``).

pymdownx.arithmatex (generic mode) marks every formula up as ``<span class="arithmatex">\\(...\\)</span>`` or
``<div class="arithmatex">\\[...\\]</div>``. :class:`Katex` replaces each with KaTeX's HTML (and MathML, what
screen readers read), so a page ships its equations as markup plus one stylesheet and one font format (woff2):
no math script, nothing to typeset in the reader's browser.

One ``node`` process serves the whole build, pages and exports alike: it is started on the first formula and reads
one JSON line per batch (the formulas, and KaTeX's output: HTML + MathML for pages, MathML alone for the LMS exports,
mathml.py), answering one JSON line (their markup, or the first error). Bad TeX fails the build with the page and
the formula. The rendered math is excluded from the search index (``data-search-exclude``): its
glyph-by-glyph text would read as noise in a result.
"""
from __future__ import annotations

import html
import json
import pathlib
import re
import subprocess

from mkdocs.exceptions import PluginError

from . import htmltext
from .mathml import KATEX_JS

# What arithmatex (generic mode) puts inside its <span|div class="arithmatex">: TeX, HTML-escaped, in \(...\) or
# \[...\].
FORMULA = re.compile(r"\s*(?:\\\((?P<inline>.*?)\\\)|\\\[(?P<block>.*?)\\\])\s*", re.S)


def _is_formula(el):
    return (el.tag in ("span", "div") and el.attrs.get("class") == "arithmatex"
            and FORMULA.fullmatch(el.inner) is not None)

# Reads {"items": [[tex, display], ...], "output": "htmlAndMathml" | "mathml"} lines, writes {"html": [...]} or
# {"error": "...", "index": n} lines.
_SERVER = r"""
const katex = require(process.argv[1]);
const readline = require("readline");
const lines = readline.createInterface({input: process.stdin, crlfDelay: Infinity});
lines.on("line", (line) => {
  const {items, output} = JSON.parse(line);
  const out = [];
  for (let i = 0; i < items.length; i++) {
    const [tex, display] = items[i];
    try {
      out.push(katex.renderToString(tex, {displayMode: display, throwOnError: true, output,
                                          strict: "ignore", trust: false}));
    } catch (error) {
      process.stdout.write(JSON.stringify({error: String(error.message || error), index: i}) + "\n");
      return;
    }
  }
  process.stdout.write(JSON.stringify({html: out}) + "\n");
});
"""


def readable(markup):
    """The plain Unicode text of KaTeX's markup (its MathML part: c_t -> cₜ), for the search index."""
    from .mathml import _math_element, to_text
    found = MATHML.search(markup)
    return to_text(_math_element(found.group(0))) if found else ""


MATHML = re.compile(r"<math\b.*?</math>", re.S)


class MathError(PluginError):
    """A formula KaTeX cannot typeset (its message names the formula)."""


SERVER_FILE = KATEX_JS       # KaTeX's UMD build: what node loads (never copied to the site; mathml.py loads it too)


def find_katex(node_modules_dirs):
    """KaTeX's CommonJS build in the first of the given node_modules folders that has it, or None."""
    for folder in node_modules_dirs:
        path = pathlib.Path(folder) / SERVER_FILE
        if path.is_file():
            return path
    return None


class Katex:
    """A long-lived KaTeX renderer (one node process); ``typeset(html)`` returns the HTML with its math rendered."""

    def __init__(self, script, node="node"):
        self.script = pathlib.Path(script).resolve()
        self.node = node
        self.process = None
        self.count = 0                 # formulas typeset in this build

    def _start(self):
        if self.process is None:
            self.process = subprocess.Popen([self.node, "-e", _SERVER, str(self.script)], stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, text=True, encoding="utf-8", bufsize=1)
        return self.process

    def render(self, items, output="htmlAndMathml"):
        """[(tex, display)] -> [markup] (KaTeX's ``output``: "htmlAndMathml" or "mathml"), in one round trip."""
        if not items:
            return []
        process = self._start()
        process.stdin.write(json.dumps({"items": items, "output": output}) + "\n")
        process.stdin.flush()
        line = process.stdout.readline()
        if not line:
            self.close()
            raise MathError("the KaTeX process (node) stopped without an answer")
        answer = json.loads(line)
        if "error" in answer:
            tex = items[answer["index"]][0]
            raise MathError(f"cannot typeset {tex!r}: {answer['error']}")
        self.count += len(items)
        return answer["html"]

    def typeset(self, text):
        """Every arithmatex formula in `text` (HTML) replaced by KaTeX's markup."""
        found = htmltext.elements(text, _is_formula)
        if not found:
            return text
        items = []
        for el in found:
            m = FORMULA.fullmatch(el.inner)
            display = m.group("block") is not None
            items.append([html.unescape(m.group("block") if display else m.group("inline")).strip(), display])
        rendered = dict(zip((el.start for el in found), self.render(items)))

        def replace(el):
            markup = rendered[el.start]
            words = f'<span class="sh-math__text" hidden>{html.escape(readable(markup))}</span>'
            if el.tag == "div":
                return f'<div class="sh-math sh-math--display" data-search-exclude>{markup}</div>{words}'
            return f'<sh-math class="sh-math" data-search-exclude>{markup}</sh-math>{words}'

        return htmltext.replace_elements(text, _is_formula, replace)

    def close(self):
        if self.process is not None:
            try:
                self.process.stdin.close()
                self.process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
            self.process = None


class BuildMath:
    """The plugin's hook: one :class:`Katex` per build, started on the first formula (of a page or an export)."""

    def __init__(self):
        self.katex = None
        self.dirs = []

    def on_config(self, node_modules_dirs):
        self.close()
        self.dirs = list(node_modules_dirs)

    def renderer(self):
        if self.katex is None:
            script = find_katex(self.dirs)
            if script is None:
                tried = ", ".join(str(pathlib.Path(d) / SERVER_FILE) for d in self.dirs)
                raise MathError(f"KaTeX is needed to typeset this site's math and was not found (tried {tried}): "
                                "run `npm ci`")
            self.katex = Katex(script)
        return self.katex

    def typeset(self, text, where):
        """`text` (a page's HTML, or a quiz text) with its math typeset; `where` names it in an error."""
        if "arithmatex" not in text:
            return text
        try:
            return self.renderer().typeset(text)
        except MathError as error:
            raise MathError(f"{where}: {error}") from None

    def wrap(self, convert, where):
        """A Markdown converter (text, block) -> HTML whose output has its math typeset."""
        return lambda text, block=False: self.typeset(convert(text, block), where)

    def close(self):
        if self.katex is not None:
            self.katex.close()
            self.katex = None
