"""Standalone embed pages: one per demo and one per quiz, made to live in an ``<iframe>``.

Canonical, frozen URLs are ``embed/v1/<demo>/`` and ``embed/v1/quiz/<id>/``. The aliases ``embed/<demo>/`` and
``embed/quiz/<id>/`` serve the same page for the newest embed version (today v1); their canonical link names the
versioned URL. Pages carry no site navigation, only the widget, the stylesheets of the page it came from, and
``embed.js`` (URL parameters, theme, height, postMessage) ahead of the plugin's own scripts.

The pages are rendered through the site theme's own Jinja environment (MkDocs' ``theme.get_env()``), with this
package's ``templates/`` after the theme's folders: a site restyles an embed page the way it restyles any theme
template, with an ``embed.html`` (or ``csp.html``) of its own in its ``custom_dir``.
"""
import pathlib
import re

import jinja2
import markupsafe

from . import EMBED_VERSION
from .. import csp
from .extract import relative_prefix

TEMPLATES = pathlib.Path(__file__).resolve().parent / "templates"


def environment(theme):
    """The Jinja environment of embed and SCORM pages: ``theme``'s (MkDocs' ``Theme``; a new environment each
    call, so the settings below do not reach the site's own pages) with this package's templates last."""
    env = theme.get_env()
    env.loader = jinja2.ChoiceLoader([env.loader, jinja2.FileSystemLoader(TEMPLATES)])
    env.autoescape = jinja2.select_autoescape(["html"])     # titles and names are authors' text
    env.keep_trailing_newline = True
    return csp.install(env)


def unit_paths(kind, unit_id):
    """Return (canonical, alias) destinations, e.g. ``embed/v1/quiz/x/index.html`` and ``embed/quiz/x/index.html``."""
    tail = f"quiz/{unit_id}" if kind == "quiz" else unit_id
    return f"embed/{EMBED_VERSION}/{tail}/index.html", f"embed/{tail}/index.html"


UNIT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")   # ids that are safe as one URL path segment


def render(env, kind, unit_id, body, dest, assets, site_name, title, source=None, entry="embed.js", canonical=None,
           data=None):
    """HTML of one standalone page at ``dest`` (relative to the site root), from ``env`` (:func:`environment`).

    ``assets`` comes from :func:`extract.page_assets` of the page the unit was found on (or the home page);
    ``source`` is the site path of that page, linked as the credit line; ``data``: more ``data-*`` attributes of
    the page's body (name without ``data-`` -> value), settings for its script.
    """
    prefix = relative_prefix(dest)
    if canonical is None and kind in ("demo", "quiz"):
        canonical = prefix + unit_paths(kind, unit_id)[0].removesuffix("index.html")
    scripts = [(src, typ) for src, typ in assets["scripts"] if _is_widget_script(src)]
    return env.get_template("embed.html").render(
        lang=assets["lang"], palette=assets["palette"], version=EMBED_VERSION, title=title, site_name=site_name,
        canonical=canonical, stylesheets=assets["stylesheets"], assets_icon=assets.get("icon"), prefix=prefix,
        scripts=scripts, kind=kind, unit_id=unit_id, body=markupsafe.Markup(body), entry=entry,
        source=source.removesuffix("index.html") if source else None, credit=f"{title} · {site_name}",
        data=data or {})


def _is_widget_script(src):
    """Scripts an embed page keeps: the plugin's own and vendored libraries (never the theme's bundle, which
    expects the theme's page structure)."""
    path = src.split("?", 1)[0]
    return path.startswith(("assets/sequencehub/", "assets/vendor/")) and "/embed/" not in path
