"""The plugin's one way to read and rewrite HTML: a small tokenizer over the standard library's ``HTMLParser``.

``tokens(html)`` lists the source as tokens with their character offsets (start tags with their attributes, end
tags, text, and everything else verbatim), so every rewrite below splices the source at exact offsets and copies
the rest byte for byte. MkDocs' output is well formed; no tree is needed. Everything that reads or changes a
page's markup goes through here:

- ``events(html)``                     start/end tags and unescaped text, in order (the QTI exports' XHTML)
- ``rewrite_text(html, fn)``          each text node -> ``fn(text, ancestors)`` (glossary tooltips)
- ``text_of(html)``                    plain text, whitespace collapsed (JSON-LD)
- ``sections(html, level)``            a page split at its headings (the FAQ's questions)
- ``elements(html, select)``           outermost elements ``select(element)`` accepts (embed's widget roots)
- ``replace_elements(html, select, fn)`` each of them -> ``fn(element)`` (quiz placeholders, the skill matrix)
- ``rewrite_attributes(html, fn)``     each start tag's attributes -> ``fn(tag, attrs)`` (SCORM links)
- ``insert_after(html, tag, markup)`` / ``insert_before_end(html, tag, markup)``  markup after the first
  ``</tag>`` / before the last ``</tag>`` (author card, <head> and <body> additions)
"""
from __future__ import annotations

import dataclasses
import html
import html.parser
import re

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
RAW_TEXT = {"script", "style"}


@dataclasses.dataclass
class Token:
    kind: str            # "start", "end", "startend", "text", "entity" or "other" (comment, declaration...)
    start: int           # offsets of the token in the source
    end: int
    tag: str = ""
    attrs: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Element:
    tag: str
    attrs: dict
    start: int           # offset of "<tag"
    end: int             # offset just after its "</tag>" (after the start tag for void / self-closed elements)
    inner_start: int
    inner_end: int
    source: str

    @property
    def outer(self):
        return self.source[self.start:self.end]

    @property
    def inner(self):
        return self.source[self.inner_start:self.inner_end]

    @property
    def start_tag(self):
        return self.source[self.start:self.inner_start]


class _Tokenizer(html.parser.HTMLParser):
    def __init__(self, source):
        super().__init__(convert_charrefs=False)
        self.source = source
        self.tokens = []
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", source)]

    def _offset(self):
        line, col = self.getpos()
        return self._line_starts[line - 1] + col

    def _add(self, kind, tag="", attrs=None):
        start = self._offset()                     # the token ends where the next one starts (see tokens())
        self.tokens.append(Token(kind, start, start, tag, dict(attrs or ())))

    def handle_starttag(self, tag, attrs):
        self._add("start", tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._add("startend", tag, attrs)

    def handle_endtag(self, tag):
        self._add("end", tag)

    def handle_data(self, data):
        self._add("text")

    def _entity(self, name):
        self._add("entity")

    def _other(self, data):
        self._add("other")

    handle_entityref = handle_charref = _entity
    handle_comment = handle_decl = handle_pi = unknown_decl = _other


def tokens(source):
    """The tokens of ``source``, in order; together they cover it exactly."""
    parser = _Tokenizer(source)
    parser.feed(source)
    parser.close()
    toks = parser.tokens
    for tok, following in zip(toks, toks[1:]):
        tok.end = following.start
    if toks:
        toks[-1].end = len(source)
    return toks


def _splice(source, edits):
    """Apply non-overlapping (start, end, replacement) edits."""
    out, pos = [], 0
    for start, end, text in sorted(edits, key=lambda e: e[0]):
        out += [source[pos:start], text]
        pos = end
    out.append(source[pos:])
    return "".join(out)


def _walk(source):
    """(token, ancestors) for each token; ancestors = the open elements [(tag, attrs)] around it."""
    stack = []
    for tok in tokens(source):
        if tok.kind == "start" and tok.tag not in VOID:
            yield tok, stack
            stack.append((tok.tag, tok.attrs))
            continue
        if tok.kind == "end":
            for i in range(len(stack) - 1, -1, -1):
                if stack[i][0] == tok.tag:
                    del stack[i:]
                    break
        yield tok, stack


def events(source):
    """(kind, tag, attrs, text) for each token, for readers that build something else from HTML (the QTI
    exports' XHTML): "start" (tag, attrs as (name, value) pairs), "startend", "end" (tag), "text" (unescaped)."""
    for tok in tokens(source):
        if tok.kind in ("start", "startend", "end"):
            yield tok.kind, tok.tag, list(tok.attrs.items()), None
        elif tok.kind in ("text", "entity"):
            yield "text", None, None, html.unescape(source[tok.start:tok.end])


# ------------------------------------------------------------------------------------------------------ text
def rewrite_text(source, fn):
    """``fn(text, ancestors)`` for every text node outside <script>/<style>, spliced in as markup."""
    edits = []
    for tok, stack in _walk(source):
        if tok.kind == "text" and not (stack and stack[-1][0] in RAW_TEXT):
            text = source[tok.start:tok.end]
            new = fn(text, stack)
            if new != text:
                edits.append((tok.start, tok.end, new))
    return _splice(source, edits)


def text_of(fragment, skip=None):
    """Plain text of an HTML fragment, whitespace collapsed; script/style and elements ``skip(tag, attrs)``
    accepts are left out."""
    parts, skipping = [], None
    for tok, stack in _walk(fragment):
        if skipping is not None:
            if len(stack) <= skipping:
                skipping = None
            else:
                continue
        if tok.kind == "start" and (tok.tag in RAW_TEXT or (skip and skip(tok.tag, tok.attrs))):
            skipping = len(stack)
            parts.append(" ")
        elif tok.kind in ("text", "entity"):
            parts.append(fragment[tok.start:tok.end])
        else:
            parts.append(" ")
    return re.sub(r"\s+", " ", html.unescape("".join(parts))).strip()


def _headerlink(tag, attrs):
    return tag == "a" and "headerlink" in (attrs.get("class") or "").split()


def strip_permalinks(fragment):
    """The fragment without its headings' permalink anchors (``<a class="headerlink">``)."""
    return replace_elements(fragment, lambda el: _headerlink(el.tag, el.attrs), lambda el: "")


def sections(source, level=2):
    """[(heading_text, heading_id, body_html)] for each <hN> of the given level, the body up to the next heading
    of that level or above."""
    heading, stop = f"h{level}", {f"h{k}" for k in range(1, level + 1)}
    found = elements(source, lambda el: el.tag == heading)
    boundaries = sorted(el.start for el in elements(source, lambda el: el.tag in stop))
    out = []
    for el in found:
        end = next((b for b in boundaries if b >= el.end), len(source))
        out.append((text_of(el.inner, skip=_headerlink), el.attrs.get("id"), source[el.end:end].strip()))
    return out


# ---------------------------------------------------------------------------------------------------- elements
def _elements(source, toks, select):
    """Outermost elements ``select`` accepts (an accepted element's descendants are not offered)."""
    out, i = [], 0
    while i < len(toks):
        tok = toks[i]
        if tok.kind not in ("start", "startend"):
            i += 1
            continue
        if tok.kind == "startend" or tok.tag in VOID:
            el = Element(tok.tag, tok.attrs, tok.start, tok.end, tok.end, tok.end, source)
            close = i
        else:
            depth, close = 0, None
            for j in range(i, len(toks)):
                t = toks[j]
                if t.tag == tok.tag and t.kind == "start":
                    depth += 1
                elif t.tag == tok.tag and t.kind == "end":
                    depth -= 1
                    if depth == 0:
                        close = j
                        break
            if close is None:                      # never closed: it runs to the end
                el = Element(tok.tag, tok.attrs, tok.start, len(source), tok.end, len(source), source)
                close = len(toks)
            else:
                end = toks[close]
                el = Element(tok.tag, tok.attrs, tok.start, end.end, tok.end, end.start, source)
        if select(el):
            out.append(el)
            i = close + 1
        else:
            i += 1
    return out


def elements(source, select):
    """The outermost elements of ``source`` that ``select(element)`` accepts, in document order."""
    return _elements(source, tokens(source), select)


def with_attribute(name):
    """A selector: elements carrying the attribute ``name``."""
    return lambda el: name in el.attrs


def replace_elements(source, select, fn):
    """Each outermost element ``select`` accepts -> ``fn(element)`` (markup; None keeps the element)."""
    edits = []
    for el in elements(source, select):
        new = fn(el)
        if new is not None:
            edits.append((el.start, el.end, new))
    return _splice(source, edits)


def start_tag(tag, attrs):
    """A start tag written from (name, value) pairs; a value of None writes a bare attribute."""
    parts = [tag] + [name if value is None else f'{name}="{html.escape(value, quote=True)}"' for name, value in attrs]
    return "<" + " ".join(parts) + ">"


def rewrite_attributes(source, fn):
    """``fn(tag, attrs)`` for every start tag (attrs a dict); when it returns a list of (name, value) pairs, the
    tag is rewritten with them, else left as it is."""
    edits = []
    for tok in tokens(source):
        if tok.kind in ("start", "startend"):
            new = fn(tok.tag, dict(tok.attrs))
            if new is not None:
                text = start_tag(tok.tag, new)
                edits.append((tok.start, tok.end, text[:-1] + " />" if tok.kind == "startend" else text))
    return _splice(source, edits)


def insert_after(source, tag, markup):
    """``markup`` right after the first ``</tag>``; None when there is none."""
    end = next((t for t in tokens(source) if t.kind == "end" and t.tag == tag), None)
    return None if end is None else source[:end.end] + markup + source[end.end:]


def insert_before_end(source, tag, markup):
    """``markup`` right before the last ``</tag>`` (``</head>``, ``</body>``); ``source`` unchanged without one."""
    end = next((t for t in reversed(tokens(source)) if t.kind == "end" and t.tag == tag), None)
    return source if end is None else source[:end.start] + markup + source[end.start:]


def rewrite_urls(source, fn, names=("src", "href")):
    """Each ``src``/``href`` attribute -> ``fn(name, value)``: None keeps it, else the list of (name, value) pairs
    that take its place in the tag (the same attribute with a new value, a renamed one, or more attributes)."""
    def tag(tag, attrs):
        out, changed = [], False
        for name, value in attrs.items():
            new = fn(name, value) if name in names and value is not None else None
            if new is None:
                out.append((name, value))
            else:
                out += new
                changed = True
        return out if changed else None

    return rewrite_attributes(source, tag)
