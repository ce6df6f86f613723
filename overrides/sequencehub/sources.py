"""Where a line of a page's Markdown came from: error messages name ``docs/<file>:<line>`` of the source, though
MkDocs hands the plugin the Markdown with its front matter removed and mkdocs-macros' calls expanded."""
from __future__ import annotations

import pathlib
import re

from .quiz import find_fences


def strip_front_matter(text):
    """(body, line number of the body's first line) for a Markdown source with optional YAML front matter."""
    match = re.match(r"^-{3}[ \t]*\n.*?\n(?:-{3}|\.{3})[ \t]*\n", text, re.S)
    if not match:
        return text, 1
    return text[match.end():], text[:match.end()].count("\n") + 1


def source_lines(path):
    try:
        return pathlib.Path(path).read_text(encoding="utf-8-sig").split("\n")
    except OSError:
        return None


class LineMap:
    """Map a line of the Markdown MkDocs hands us (front matter removed, macros expanded) to its source line.

    Quiz fences are matched to the source's fences in order (or by id); inside a fence lines map one to one when
    both have the same length, otherwise by identical text, else to the fence's first line.
    """

    def __init__(self, markdown, source):
        self.blocks = []
        if source is None:
            self.offset = 0
            return
        text = "\n".join(source)
        _, first = strip_front_matter(text)
        self.offset = first - 1
        src_fences = list(find_fences(text))
        md_fences = list(find_fences(markdown))
        for n, md_fence in enumerate(md_fences):
            src = src_fences[n] if n < len(src_fences) and len(src_fences) == len(md_fences) else None
            if src is None:
                src = next((f for f in src_fences if f[0] == md_fence[0]), None)
            if src is not None:
                self.blocks.append((md_fence, src))
        self.markdown_lines = markdown.split("\n")
        self.source = source

    def __call__(self, line):
        for md_fence, src in self.blocks:
            md_first, md_last = md_fence[2], md_fence[3] or len(self.markdown_lines)
            if md_first <= line <= md_last:
                src_first, src_last = src[2], src[3] or len(self.source)
                if md_last - md_first == src_last - src_first:
                    return src_first + (line - md_first)
                wanted = self.markdown_lines[line - 1].strip()
                for k in range(src_first, src_last + 1):
                    if self.source[k - 1].strip() == wanted:
                        return k
                return src_first
        return line + self.offset
