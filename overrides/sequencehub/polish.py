"""Small fixes to what the theme prints from a page's front matter.

A lesson's ``author`` is a mapping (``{name, role}``, for the author card); Material's ``<meta name="author">``
prints ``page.meta.author`` as it is, which would be the mapping's Python text. The page's template gets the name.
"""


def author_for_template(page):
    """Give the theme the author's name where the front matter holds ``{name, role}`` (before the template)."""
    meta = page.meta if page is not None else None
    author = (meta or {}).get("author")
    if isinstance(author, dict):
        name = author.get("name")
        if name:
            meta["author"] = str(name)
        else:
            del meta["author"]
