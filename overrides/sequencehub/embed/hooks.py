"""The embedding subsystem's entry from the MkDocs plugin: one ``Embedding`` per build, kept on the plugin.

    Embedding(options, node_modules, serving)   options: embed, offline, scorm (None = on); serving (`mkdocs
                                                serve`) turns off the service worker (an author's browser must
                                                not keep serving yesterday's pages) and the SCORM packages
                                                (each rebuild stays fast)
    .on_post_page(output, page) -> output       record the page's quizzes, demos, stylesheets, lesson body;
                                                add the service-worker registration before </body>
    .on_post_build(config)                      write embed pages, SCORM packages, then sw.js (last: its
                                                manifest hashes everything else)
"""
import logging
import pathlib

from .. import htmltext
from . import DEMOS, offline, pages, scorm
from .extract import elements_with, page_assets, relative_prefix

log = logging.getLogger("mkdocs.plugins.sequencehub.embed")

ASSETS = pathlib.Path(__file__).resolve().parent.parent / "assets"
DEFAULTS = {"embed": True, "offline": True, "scorm": True, "scorm_score": "first"}


def _is_lesson(page):
    meta = page.meta or {}
    return bool(meta.get("skill")) or page.file.src_uri.startswith("lessons/")


class Embedding:
    """What one build's pages hold for embedding, and the files made from it after the build."""

    def __init__(self, options=None, node_modules=(), serving=False, partials=None, previews=None):
        self.options = {**DEFAULTS, **{k: v for k, v in (options or {}).items() if v is not None}}
        if serving:
            self.options["offline"] = self.options["scorm"] = False
        self.node_modules = list(node_modules)   # where to look for npm packages (the SCORM schemas), in order
        self.partials = partials                 # the plugin's templates (a demo's bare frame)
        self.previews = previews                 # first pictures (previews.Previews): embeds show them too
        self.quizzes = {}          # id -> {html, source, assets, title}
        self.demos = {}            # name -> {html, source, assets, title}
        self.lessons = []          # {slug, title, content, dest, assets}
        self.home_assets = None

    def on_post_page(self, output, page):
        dest = page.file.dest_uri
        assets = page_assets(output, dest)
        if page.is_homepage or self.home_assets is None:
            self.home_assets = assets
        content = page.content or ""
        title = page.title or ""
        for attrs, outer in elements_with(content, "data-quiz"):
            quiz_id = attrs.get("data-quiz") or ""
            if not pages.UNIT_ID.match(quiz_id):
                log.warning("embed: %s: quiz id %r cannot be a URL segment; no embed page for it", dest, quiz_id)
            elif quiz_id not in self.quizzes:
                self.quizzes[quiz_id] = {"html": outer, "source": dest, "assets": assets,
                                         "title": attrs.get("data-title") or title}
        for attrs, _ in elements_with(content, "data-demo"):
            name = attrs.get("data-demo") or ""
            if pages.UNIT_ID.match(name) and name not in self.demos:
                self.demos[name] = {"html": self.partials.demo(name), "source": dest, "assets": assets,
                                    "title": title}
        if _is_lesson(page):
            slug = (page.meta or {}).get("skill") or pathlib.PurePosixPath(page.file.src_uri).stem
            self.lessons.append({"slug": slug, "title": title, "content": content, "dest": dest, "assets": assets})
        if self.options["offline"] and dest != "404.html":
            tag = f'<script type="module" src="{relative_prefix(dest)}assets/sequencehub/embed/sw-register.js"></script>'
            output = htmltext.insert_before_end(output, "body", tag + "\n")
        return output

    def write_embed_pages(self, site_dir, site_name, env):
        """Write every embed page and alias (``env``: :func:`pages.environment`); return the canonical
        destinations."""
        written = []
        home = self.home_assets or {"stylesheets": [], "scripts": [], "palette": {}, "icon": None, "lang": "en"}
        units = [("demo", name, self.demos.get(name)) for name in sorted(set(DEMOS) | set(self.demos))]
        units += [("quiz", quiz_id, info) for quiz_id, info in sorted(self.quizzes.items())]
        for kind, unit_id, info in units:
            info = info or {"html": self.partials.demo(unit_id), "source": None, "assets": home, "title": unit_id}
            title = info["title"] if kind == "quiz" else f"{unit_id.replace('-', ' ').capitalize()} demo"
            body = info["html"]
            if kind == "demo" and self.previews is not None:
                # the default settings' picture: used only when the embed's URL asks for exactly those
                body = self.previews.add(body)
            for dest in pages.unit_paths(kind, unit_id):
                text = pages.render(env, kind, unit_id, body, dest, info["assets"], site_name, title,
                                    source=info["source"])
                path = pathlib.Path(site_dir) / dest
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
            written.append(pages.unit_paths(kind, unit_id)[0])
        return written

    def write_scorm_packages(self, site_dir, site_name, site_url, env):
        made = []
        schemas = scorm.find_schemas(self.node_modules)      # fails the build, loudly, when they are missing
        for lesson in self.lessons:
            out = pathlib.Path(site_dir) / "scorm" / f"{lesson['slug']}.zip"
            scorm.build_package(site_dir, out, slug=lesson["slug"], title=lesson["title"],
                                content=lesson["content"], page_dest=lesson["dest"], assets=lesson["assets"],
                                site_name=site_name, site_url=site_url, schemas=schemas, env=env,
                                score=self.options["scorm_score"])
            made.append(out)
        return made

    def on_post_build(self, config):
        site_dir = config["site_dir"]
        site_name = config.get("site_name") or "Sequence Hub"
        env = pages.environment(config.theme)       # the site's custom_dir can override embed.html
        if self.options["embed"]:
            written = self.write_embed_pages(site_dir, site_name, env)
            log.info("embed: %d pages under embed/ (%d quizzes)", len(written), len(self.quizzes))
        if self.options["scorm"] and self.lessons:
            made = self.write_scorm_packages(site_dir, site_name, config.get("site_url"), env)
            log.info("embed: %d SCORM 1.2 packages under scorm/", len(made))
        if self.options["offline"]:
            info = offline.write_service_worker(site_dir, ASSETS / "sw.js", languages=_search_languages(config))
            # shown on every build: the offline cache is what a reader's first visit downloads on top of the page
            log.info("offline: sw.js keeps %d files, %.1f MB, cache sequencehub-%s", len(info["files"]),
                     info["bytes"] / 1e6, info["version"])


def _search_languages(config):
    """The languages Material's search indexes the site in (its ``lang`` option, else the theme's language)."""
    for name, plugin in (config.plugins or {}).items():
        if name in ("search", "material/search"):
            lang = plugin.config.get("lang")
            if lang:
                return tuple(lang) if isinstance(lang, (list, tuple)) else (lang,)
    return ((config.theme or {}).get("language") or "en",)
