"""Read rendered HTML: widget roots, stylesheets, module scripts, palette attributes.

The standard library's ``html.parser`` is enough: MkDocs' output is well formed, and we only need element
boundaries, never a tree.
"""
import html.parser
import posixpath
import urllib.parse


class _Scanner(html.parser.HTMLParser):
    """Collect the outer-HTML span of every element carrying ``attr`` (nested same-name tags counted)."""

    def __init__(self, source, attr):
        super().__init__(convert_charrefs=True)
        self.attr = attr
        self.found = []            # (attrs dict, start offset, end offset)
        self._open = []            # [tag, depth, attrs, start] for roots being read
        self._line_starts = [0]
        for i, ch in enumerate(source):
            if ch == "\n":
                self._line_starts.append(i + 1)
        self._source = source

    def _offset(self):
        line, col = self.getpos()
        return self._line_starts[line - 1] + col

    def handle_starttag(self, tag, attrs):
        for item in self._open:
            if item[0] == tag:
                item[1] += 1
        attrs = dict(attrs)
        if self.attr in attrs and not self._open:
            self._open.append([tag, 1, attrs, self._offset()])

    def handle_endtag(self, tag):
        for item in list(self._open):
            if item[0] == tag:
                item[1] -= 1
                if item[1] == 0:
                    start = self._offset()
                    end = self._source.index(">", start) + 1
                    self.found.append((item[2], item[3], end))
                    self._open.remove(item)


def elements_with(source, attr):
    """Return ``[(attrs, outer_html), ...]`` for the outermost elements of ``source`` that carry ``attr``."""
    scanner = _Scanner(source, attr)
    scanner.feed(source)
    scanner.close()
    return [(attrs, source[start:end]) for attrs, start, end in scanner.found]


class _HeadReader(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stylesheets, self.scripts, self.body_attrs, self.html_attrs = [], [], {}, {}
        self.icon = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and "stylesheet" in (attrs.get("rel") or "").split() and attrs.get("href"):
            self.stylesheets.append(attrs["href"])
        elif tag == "link" and "icon" in (attrs.get("rel") or "").split() and attrs.get("href"):
            self.icon = self.icon or attrs["href"]
        elif tag == "script" and attrs.get("src"):
            self.scripts.append((attrs["src"], attrs.get("type") or ""))
        elif tag == "body":
            self.body_attrs = attrs
        elif tag == "html":
            self.html_attrs = attrs

    handle_startendtag = handle_starttag


def site_path(url, page_dest):
    """Turn ``url`` as written in the page at ``page_dest`` (e.g. ``lessons/lstm/index.html``) into a path relative
    to the site root, or None when it leaves the site (scheme, host, or a path above the root)."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme or parsed.netloc or url.startswith(("#", "/", "data:")):
        return None
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(page_dest), parsed.path))
    if joined.startswith("..") or joined == ".":
        return None
    if parsed.path.endswith("/") and not joined.endswith("/"):
        joined += "/"
    return joined + (f"?{parsed.query}" if parsed.query else "") + (f"#{parsed.fragment}" if parsed.fragment else "")


def page_assets(output, page_dest):
    """What a rendered page loads: ``{"stylesheets": [...], "scripts": [(path, type)], "palette": {...},
    "icon": path or None, "lang": ...}`` with paths relative to the site root (assets outside the site are dropped)."""
    reader = _HeadReader()
    reader.feed(output)
    reader.close()
    stylesheets = [p for p in (site_path(h, page_dest) for h in reader.stylesheets) if p]
    scripts = [(p, t) for p, t in ((site_path(s, page_dest), t) for s, t in reader.scripts) if p]
    palette = {k: v for k, v in reader.body_attrs.items() if k.startswith("data-md-color-") and v is not None}
    return {"stylesheets": stylesheets, "scripts": scripts, "palette": palette,
            "icon": site_path(reader.icon, page_dest) if reader.icon else None,
            "lang": reader.html_attrs.get("lang") or "en"}


def relative_prefix(dest):
    """``"../" * depth`` from the page at ``dest`` (e.g. ``embed/v1/quiz/x/index.html``) back to the site root."""
    depth = dest.count("/")
    return "../" * depth
