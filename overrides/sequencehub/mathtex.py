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

import collections
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


KATEX_CSS = "katex/dist/katex.min.css"
_RULE = re.compile(r"([^{}@]+)\{([^{}]*)\}")
_FACE = re.compile(r"@font-face\s*\{([^{}]*)\}")
# The selector forms KaTeX's stylesheet uses for its fonts: `.katex`, `.katex .a.b`, `.katex .a.b .c>span`.
_SELECTOR = re.compile(r"\.katex(?: ((?:\.[\w-]+)+))?(?: \.([\w-]+)>span)?")


# A KaTeX element's box: the face its own text uses (a font URL; None outside math or with no face; False in the
# MathML copy), the font properties it passes on, the classes on it and around it, the classes on it.
_Box = collections.namedtuple("_Box", "face state seen classes")


class KatexFonts:
    """The font files a page's typeset math makes the browser load, found the way the browser finds them: KaTeX's
    own stylesheet (its rules that set a font, its @font-face table) applied to the page's KaTeX markup, each piece of
    text then matched to a face (CSS font matching, as far as KaTeX's faces need it). A page preloads exactly these,
    so its math is laid out once, in its own fonts, instead of a second time when they arrive, which moved the text
    under a reader's eyes. A stylesheet this cannot read (a KaTeX upgrade that sets fonts another way) fails the
    build, naming the rule."""

    def __init__(self, css_path):
        css = pathlib.Path(css_path).read_text(encoding="utf-8")
        self.faces = {}            # family -> [(italic, weight, url)]
        for body in _FACE.findall(css):
            props = self._props(body)
            url = re.search(r"url\(([^)]+\.woff2)\)", body)
            if url:
                face = (props.get("font-style") == "italic", int(props.get("font-weight", 400)), url.group(1))
                self.faces.setdefault(props["font-family"], []).append(face)
        self.rules = []            # (classes the element has, class its parent has or None, props)
        for selectors, body in _RULE.findall(_FACE.sub("", css)):
            props = {k: v for k, v in self._props(body).items() if k in ("font-family", "font-style", "font-weight")}
            if not props:
                continue
            for selector in selectors.split(","):
                m = _SELECTOR.fullmatch(selector.strip())
                if m is None:
                    raise MathError(f"{css_path}: a font rule for `{selector.strip()}` is not of a form the build "
                                    "reads (.katex, .katex .a.b, .katex .a.b .c>span)")
                classes = frozenset(m.group(1).strip(".").split(".")) if m.group(1) else frozenset(["katex"])
                self.rules.append((classes, m.group(2), props))

    @staticmethod
    def _props(body):
        props = {}
        for decl in body.split(";"):
            name, _, value = decl.partition(":")
            name, value = name.strip(), value.strip()
            if name == "font":         # `normal 1.21em KaTeX_Main,math,...`: style, size, families
                parts = value.split(None, 2)
                props["font-style"] = parts[0]
                props["font-family"] = parts[2]
            elif name.startswith("font"):
                props[name] = value
        if "font-family" in props:     # the first family is the one with faces: the rest are local fallbacks
            props["font-family"] = props["font-family"].split(",")[0].strip().strip('"')
        return props

    def _face(self, family, italic, weight):
        faces = self.faces.get(family)
        if not faces:
            return None
        styled = [f for f in faces if f[0] == italic] or faces        # the other style when the family lacks it
        return min(styled, key=lambda f: abs(f[1] - weight))[2]      # KaTeX's weights are 400 and 700 only

    def _box(self, element, outer):
        """An element's box: its face from the box around it (``outer``, or None at the top)."""
        tag, attrs = element
        classes = frozenset((attrs.get("class") or "").split())
        if outer is not None and outer.face is False or "katex-mathml" in classes:
            return _Box(False, None, classes, classes)
        if (outer is None or outer.state is None) and "katex" not in classes:
            return _Box(None, None, classes, classes)
        math_outer = outer is not None and outer.state is not None
        state = dict(outer.state) if math_outer else {}
        seen = outer.seen if math_outer else frozenset()
        for need, child_of, props in self.rules:
            if child_of is None and need <= classes:
                state.update(props)
            elif child_of is not None and tag == "span" and math_outer and child_of in outer.classes and need <= seen:
                state.update(props)
        weight = state.get("font-weight", "400")
        weight = {"bold": 700, "normal": 400}.get(weight) or int(weight)
        face = self._face(state.get("font-family"), state.get("font-style") == "italic", weight)
        return _Box(face, state, seen | classes, classes)

    def used(self, page_html):
        """The font URLs (as KaTeX's stylesheet writes them, relative to it) the page's visible math uses: the face
        of each piece of text and of each box around it up to the formula's root (Chromium loads a box's font for
        its line metrics even when the box holds no text of its own)."""
        found = set()
        boxes = {}         # id(element) -> (element, its box), for this page: each element's box worked out once
        for text, ancestors in htmltext.texts(page_html):
            if not text.strip(" \t\n\r\f"):
                continue
            faces, outer = [], None
            for element in ancestors:
                known = boxes.get(id(element))
                if known is None:
                    known = boxes[id(element)] = (element, self._box(element, outer))
                outer = known[1]
                if outer.face is False:         # the MathML copy: for screen readers, never painted
                    faces = []
                    break
                if outer.face:
                    faces.append(outer.face)
            found.update(faces)
        return sorted(found)


class BuildMath:
    """The plugin's hook: one :class:`Katex` per build, started on the first formula (of a page or an export)."""

    def __init__(self):
        self.katex = None
        self.font_table = None
        self.dirs = []

    def on_config(self, node_modules_dirs):
        self.close()
        self.font_table = None
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

    def fonts(self, page_html):
        """The KaTeX font files (paths under KaTeX's dist folder) the page's typeset math uses."""
        if 'class="katex' not in page_html:
            return []
        if self.font_table is None:
            script = find_katex(self.dirs)
            self.font_table = KatexFonts(script.parent / pathlib.Path(KATEX_CSS).name)
        return self.font_table.used(page_html)

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
