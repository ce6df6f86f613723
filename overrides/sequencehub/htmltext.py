"""Small, exact HTML rewriting with the standard library (MkDocs' output is well formed; no tree is needed).

``rewrite_text(html, fn)`` calls ``fn(text, ancestors)`` for every text node, where ``ancestors`` is the list of
open elements as (tag, attrs) pairs, and splices in what it returns; everything else is copied byte for byte.
``text_of(html)`` is the plain text of a fragment; ``sections(html, level)`` splits a page at its headings.
"""
from __future__ import annotations

import html
import html.parser
import re

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Rewriter(html.parser.HTMLParser):
    def __init__(self, fn):
        super().__init__(convert_charrefs=False)
        self.fn = fn
        self.out = []
        self.stack = []

    def handle_starttag(self, tag, attrs):
        self.out.append(self.get_starttag_text())
        if tag not in VOID:
            self.stack.append((tag, dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        self.out.append(self.get_starttag_text())

    def handle_endtag(self, tag):
        self.out.append(f"</{tag}>")
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        if self.stack and self.stack[-1][0] in ("script", "style"):
            self.out.append(data)
        else:
            self.out.append(self.fn(data, self.stack))

    def handle_entityref(self, name):
        self.out.append(f"&{name};")

    def handle_charref(self, name):
        self.out.append(f"&#{name};")

    def handle_comment(self, data):
        self.out.append(f"<!--{data}-->")

    def handle_decl(self, decl):
        self.out.append(f"<!{decl}>")

    def handle_pi(self, data):
        self.out.append(f"<?{data}>")

    def unknown_decl(self, data):
        self.out.append(f"<![{data}]>")


def rewrite_text(source, fn):
    parser = _Rewriter(fn)
    parser.feed(source)
    parser.close()
    return "".join(parser.out)


def text_of(fragment):
    """Plain text of an HTML fragment, whitespace collapsed."""
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", fragment, flags=re.S | re.I)
    text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def strip_permalinks(fragment):
    return re.sub(r'<a class="headerlink"[^>]*>.*?</a>', "", fragment, flags=re.S)


def sections(source, level=2):
    """[(heading_text, heading_id, body_html)] for each <hN> of the given level, body up to the next <hN>."""
    pattern = re.compile(rf"<h{level}(?P<attrs>[^>]*)>(?P<title>.*?)</h{level}>", re.S)
    matches = list(pattern.finditer(source))
    out = []
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(source)
        ident = re.search(r'\bid="([^"]+)"', match["attrs"])
        body = source[match.end():end]
        body = re.split(rf"<h[1-{level}][\s>]", body)[0]
        out.append((text_of(strip_permalinks(match["title"])), ident.group(1) if ident else None, body.strip()))
    return out
