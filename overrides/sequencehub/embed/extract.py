"""Read rendered HTML: widget roots, stylesheets, module scripts, palette attributes (through the plugin's one
HTML tokenizer, ``sequencehub.htmltext``).
"""
import posixpath
import urllib.parse

from ..htmltext import elements, tokens, with_attribute


def elements_with(source, attr):
    """Return ``[(attrs, outer_html), ...]`` for the outermost elements of ``source`` that carry ``attr``."""
    return [(el.attrs, el.outer) for el in elements(source, with_attribute(attr))]


def _head(output):
    """What a page's tags say about its assets: stylesheets, scripts (src, type), icon, <body>/<html> attributes."""
    found = {"stylesheets": [], "scripts": [], "icon": None, "body": {}, "html": {}}
    for tok in tokens(output):
        if tok.kind not in ("start", "startend"):
            continue
        attrs, rel = tok.attrs, (tok.attrs.get("rel") or "").split()
        if tok.tag == "link" and "stylesheet" in rel and attrs.get("href"):
            found["stylesheets"].append(attrs["href"])
        elif tok.tag == "link" and "icon" in rel and attrs.get("href"):
            found["icon"] = found["icon"] or attrs["href"]
        elif tok.tag == "script" and attrs.get("src"):
            found["scripts"].append((attrs["src"], attrs.get("type") or ""))
        elif tok.tag in ("body", "html"):
            found[tok.tag] = attrs
    return found


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
    head = _head(output)
    stylesheets = [p for p in (site_path(h, page_dest) for h in head["stylesheets"]) if p]
    scripts = [(p, t) for p, t in ((site_path(s, page_dest), t) for s, t in head["scripts"]) if p]
    palette = {k: v for k, v in head["body"].items() if k.startswith("data-md-color-") and v is not None}
    return {"stylesheets": stylesheets, "scripts": scripts, "palette": palette,
            "icon": site_path(head["icon"], page_dest) if head["icon"] else None,
            "lang": head["html"].get("lang") or "en"}


def relative_prefix(dest):
    """``"../" * depth`` from the page at ``dest`` (e.g. ``embed/v1/quiz/x/index.html``) back to the site root."""
    depth = dest.count("/")
    return "../" * depth
