"""The Sequence Hub MkDocs plugin (entry point ``sequencehub``).

Design
------
A. ``plugin``   this file: the MkDocs events, and nothing else. It keeps one build's state (quizzes per page,
                glossary entries, the course's lessons) and hands the work to the modules below.
B. ``quiz``     the quiz syntax: ```quiz fences -> Quiz objects, or errors with line numbers.
C. ``render``   the HTML the plugin writes into pages: the quiz widget (answers as JSON in an attribute), the
                author card, the skill matrix's no-JavaScript fallback.
D. ``exports``  each quiz as Moodle GIFT and as an IMS QTI 2.1 package, under ``quizzes/``.
E. ``jsonld``   schema.org structured data for every page's <head>.
F. ``glossary`` the glossary's entries, its cards and term index, and tooltips on other pages.
G. ``assets``   the browser assets, the vendored KaTeX and ECharts (from node_modules), the engine and models.
H. ``embed``    (a sub-package) embed pages, SCORM packages and the offline service worker, called through
                ``embed.hooks`` from the events below when it is present.

Order of work in a build: on_config adds the scripts and stylesheets; on_files registers the assets and reads the
glossary; on_page_markdown (after mkdocs-macros, listed before this plugin) parses quizzes and swaps each fence
for a placeholder; on_page_content renders the quizzes, tooltips and author card into the HTML; on_env (all pages
read) builds the course model; on_post_page adds JSON-LD and the course JSON to <head>; on_post_build writes the
LMS exports. Malformed quiz or glossary markup stops the build with ``docs/<file>:<line>: <message>``.
"""
from __future__ import annotations

import json
import logging
import os
import pathlib
import re

import markdown as markdown_lib
from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.config.config_options import ExtraScriptValue
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.utils import get_relative_url

from . import assets, exports, glossary, jsonld, mathtex, polish, previews, render
from .quiz import parse_page

try:                                     # the embedding subsystem (issue 5) is optional
    from .embed import hooks as embed_hooks
except ImportError:                      # pragma: no cover
    embed_hooks = None

log = logging.getLogger("mkdocs.plugins.sequencehub")
PLACEHOLDER = "sequencehubquizplaceholder{:04d}"
PLACEHOLDER_RE = re.compile(r"<p>\s*sequencehubquizplaceholder(\d{4})\s*</p>|sequencehubquizplaceholder(\d{4})")
SKILL_MATRIX_RE = re.compile(r"<div([^>]*\bdata-skill-matrix\b[^>]*)>\s*</div>")


class SequenceHubConfig(base.Config):
    engine_dir = c.Optional(c.Type(str))          # built engine (Pyodide runtime + wheel) -> site/engine/
    models_dir = c.Optional(c.Type(str))          # trained models -> site/engine/models/
    node_modules = c.Optional(c.Type(str))        # default: <config dir>/node_modules
    glossary = c.Type(str, default="glossary.md")
    faq = c.Type(str, default="faq.md")
    track = c.Optional(c.Type(str))               # lessons' track when front matter has none (default: site_name)
    tooltips = c.Type(bool, default=True)
    exports = c.Type(bool, default=True)
    embed = c.Optional(c.Type(bool))              # passed to the embedding subsystem (default on)
    offline = c.Optional(c.Type(bool))
    scorm = c.Optional(c.Type(bool))


class SequenceHubPlugin(BasePlugin[SequenceHubConfig]):
    supports_multiple_instances = False

    def __init__(self):
        self.command = None
        self.math = mathtex.BuildMath()        # KaTeX at build time: one node process per build
        self.previews = previews.Previews()    # demos' first pictures, computed by the native core
        self._reset()

    def _reset(self):
        self.quiz_sites = {}          # quiz id -> "docs/<file>:<line>"
        self.page_quizzes = {}        # src_uri -> [Quiz]
        self.entries = []             # glossary entries
        self.tooltips = None
        self.glossary_file = None
        self.lessons = []             # course model (on_env)
        self.faq_html = {}            # src_uri -> the FAQ page's rendered content
        self.renderers = {}           # src_uri -> that page's Markdown renderer for quiz texts
        self.pages = []               # every documentation file (on_nav)
        self.uses_engine = False
        self.engine_found = False
        self.skills_url = None        # the page holding <div data-skill-matrix>

    # ------------------------------------------------------------------------------------------ config, files
    def on_startup(self, *, command, dirty):
        self.command = command
        if embed_hooks:
            embed_hooks.on_startup(command, dirty)

    def on_config(self, config: MkDocsConfig):
        self._reset()
        self.config_dir = pathlib.Path(config.config_file_path or ".").resolve().parent
        css = ["assets/vendor/katex/katex.min.css", "assets/sequencehub/css/sequencehub.css"]
        for href in css:
            if href not in config.extra_css:
                config.extra_css.append(href)
        main = "assets/sequencehub/main.js"
        if not any(str(s) == main for s in config.extra_javascript):
            script = ExtraScriptValue(main)
            script.type = "module"
            config.extra_javascript.append(script)
        self.generate_kinds = _generate_kinds()
        self.math.on_config(assets.node_modules_dirs(self.config.node_modules, self.config_dir))
        if embed_hooks:
            options = {k: self.config[k] for k in ("embed", "offline", "scorm")}
            embed_hooks.on_config(config, options)
        return config

    def _path(self, option):
        path = pathlib.Path(option)
        return path if path.is_absolute() else self.config_dir / path

    def on_files(self, files, *, config):
        assets.add(files, assets.tree(assets.ASSETS, assets.ASSETS_DEST, config))
        candidates = assets.node_modules_dirs(self.config.node_modules, self.config_dir)
        node_modules = next((p for p in candidates if p.is_dir()), candidates[0])
        vendored, missing = assets.vendor_files(node_modules, config)
        if missing:
            log.warning("sequencehub: vendored libraries missing (run `npm ci`): %s", ", ".join(missing))
        assets.add(files, vendored)
        if not assets.CHARTS.is_file():
            log.warning("sequencehub: %s is missing: run `make charts` (the demos draw with it)", assets.CHARTS)
        for kind, option, dest in (("engine", self.config.engine_dir, "engine"),
                                   ("models", self.config.models_dir, "engine/models")):
            folder = self._find_built(kind, option)
            if folder is not None:
                assets.add(files, assets.tree(folder, dest, config))
                if kind == "engine":
                    self.engine_found = True
        self._read_glossary(files, config)
        return files

    def _find_built(self, kind, option):
        """The engine or models folder: the configured one, else a copy shipped inside the installed package."""
        if option:
            path = self._path(option)
            if path.is_dir():
                return path
        try:
            from .embed import packaging
            shipped = packaging.SHIPPED[kind]
            if shipped.is_dir():
                return shipped
        except (ImportError, KeyError):
            pass
        if option and kind == "engine":
            # A warning: `mkdocs build --strict` fails, a plain build goes on without live demos.
            log.warning("sequencehub: engine_dir %s does not exist: run `make engine` first (demos need it)",
                        self._path(option))
        elif option:
            # Only the text-generation demo needs the models: say so, but do not fail a strict build.
            log.info("sequencehub: models_dir %s does not exist (`make models`): the text-generation demo will "
                     "have no model", self._path(option))
        return None

    def _read_glossary(self, files, config):
        file = files.get_file_from_path(self.config.glossary)
        if file is None or not file.is_documentation_page():
            return
        self.glossary_file = file
        text = pathlib.Path(file.abs_src_path).read_text(encoding="utf-8-sig")
        body, first = _strip_front_matter(text)
        entries, errors = glossary.parse(body, first)
        if errors:
            raise PluginError("\n".join(f"{self._where(file)}:{e.line}: {e.message}" for e in errors))
        self.entries = entries
        self.tooltips = glossary.Tooltips(entries) if self.config.tooltips else None

    def _where(self, file):
        try:
            return pathlib.Path(os.path.relpath(file.abs_src_path, self.config_dir)).as_posix()
        except ValueError:
            return file.src_uri

    # ------------------------------------------------------------------------------------------ pages
    @event_priority(-50)          # after mkdocs-macros: `{{ ... }}` in quizzes are already expanded
    def on_page_markdown(self, markdown, *, page, config, files):
        if self.glossary_file is not None and page.file.src_uri == self.glossary_file.src_uri and self.entries:
            if "md_in_html" in config.markdown_extensions:
                markdown = glossary.rewrite_markdown(markdown, self.entries)
        quizzes, errors = parse_page(markdown, self.generate_kinds)
        where = self._where(page.file)
        source = _source_lines(page.file.abs_src_path)
        mapping = _LineMap(markdown, source, quizzes)
        problems = [f"{where}:{mapping(e.line)}: {e.message}" for e in errors]
        for quiz in quizzes:
            quiz.page = page.file.src_uri
            here = f"{where}:{mapping(quiz.line)}"
            if quiz.id in self.quiz_sites:
                problems.append(f"{here}: quiz id `{quiz.id}` is already used at {self.quiz_sites[quiz.id]}; "
                                "quiz ids must be unique on the site")
            else:
                self.quiz_sites[quiz.id] = here
        if problems:
            raise PluginError("malformed quiz markup:\n  " + "\n  ".join(problems))
        if not quizzes:
            return markdown
        self.page_quizzes[page.file.src_uri] = quizzes
        if any(q.kind == "generate" for quiz in quizzes for q in quiz.questions):
            self.uses_engine = True
        out, pos = [], 0
        for n, quiz in enumerate(quizzes):
            out.append(markdown[pos:quiz.start])
            out.append(f"\n{quiz.indent}{PLACEHOLDER.format(n)}\n")
            pos = quiz.end
        out.append(markdown[pos:])
        return "".join(out)

    def markdown_renderer(self, page, config, files):
        """Render quiz texts with the page's own Markdown setup (math, code, links made relative)."""
        md = markdown_lib.Markdown(extensions=config.markdown_extensions,
                                   extension_configs=config.mdx_configs or {})
        try:
            from mkdocs.structure.pages import _RelativePathTreeprocessor
            _RelativePathTreeprocessor(page.file, files, config)._register(md)
        except (ImportError, TypeError, AttributeError):    # pragma: no cover - other MkDocs versions
            pass

        def convert(text, block=False):
            md.reset()
            out = md.convert(text).strip()
            if not block:
                match = re.fullmatch(r"<p>(.*)</p>", out, re.S)
                if match and "<p>" not in match.group(1):
                    out = match.group(1)
            return out

        return convert

    def on_page_content(self, html, *, page, config, files):
        if 'data-demo="' in html:
            self.uses_engine = True
        if "data-skill-matrix" in html:
            self.skills_url = page.url
        if self.tooltips and self.glossary_file and page.file.src_uri != self.glossary_file.src_uri:
            glossary_url = self.glossary_file.url
            html = self.tooltips.apply(
                html, lambda entry: f"{get_relative_url(glossary_url, page.url)}#{entry.id}")
        author = (page.meta or {}).get("author")
        if author and (page.meta or {}).get("skill"):
            card = render.author_card(author)
            html, n = re.subn(r"</h1>", lambda m: m.group(0) + card, html, count=1)
            if not n:
                html = card + html
        quizzes = self.page_quizzes.get(page.file.src_uri)
        if quizzes:
            md = self.markdown_renderer(page, config, files)

            def widget(match):
                quiz = quizzes[int(match.group(1) or match.group(2))]
                downloads = None
                if self.config.exports:
                    downloads = [("Moodle GIFT", get_relative_url(f"quizzes/{quiz.id}.gift", page.url)),
                                 ("QTI 2.1 package", get_relative_url(f"quizzes/{quiz.id}.qti.zip", page.url))]
                return render.quiz_html(quiz, self.math.wrap(md, self._where(page.file)), downloads)

            html = PLACEHOLDER_RE.sub(widget, html)
            self.renderers[page.file.src_uri] = md
        if page.file.src_uri == self.config.faq:
            self.faq_html[page.file.src_uri] = html
        html = self.math.typeset(html, self._where(page.file))
        return self.previews.add(html) if 'data-demo="' in html else html

    # ------------------------------------------------------------------------------------------ course model
    def on_env(self, env, *, config, files):
        """All pages are read: the course's lessons, in order, from their front matter."""
        track = self.config.track or config.site_name
        lessons = []
        for file in files.documentation_pages():
            page = file.page
            meta = (page.meta if page else None) or {}
            if not meta.get("skill"):
                continue
            requires = meta.get("requires") or []
            if isinstance(requires, str):
                requires = [requires]
            quizzes = self.page_quizzes.get(file.src_uri, [])
            lessons.append({
                "id": str(meta["skill"]), "title": page.title or str(meta.get("title") or meta["skill"]),
                "description": str(meta.get("description") or ""), "url": file.url, "src": file.src_uri,
                "requires": [str(r) for r in requires], "order": meta.get("order", 999),
                "track": str(meta.get("track") or track), "author": meta.get("author"),
                "quizzes": [{"id": q.id, "questions": len(q.questions), "pass": q.pass_fraction, "xp": q.xp}
                            for q in quizzes]})
        lessons.sort(key=lambda lesson: (_as_number(lesson["order"]), lesson["title"]))
        ids = {lesson["id"] for lesson in lessons}
        problems = []
        for lesson in lessons:
            for req in lesson["requires"]:
                if req not in ids:
                    problems.append(f"docs/{lesson['src']}: requires unknown skill `{req}` (known: "
                                    f"{', '.join(sorted(ids))})")
        if problems:
            raise PluginError("\n".join(problems))
        self.lessons = lessons
        return env

    def course_json(self, config):
        quizzes = {}
        for src, page_quizzes in self.page_quizzes.items():
            lesson = next((lesson["id"] for lesson in self.lessons if lesson["src"] == src), None)
            for q in page_quizzes:
                quizzes[q.id] = {"questions": len(q.questions), "xp": q.xp, "pass": q.pass_fraction, "lesson": lesson}
        lessons = [{k: v for k, v in lesson.items() if k not in ("src", "author", "description")}
                   for lesson in self.lessons]
        return {"version": 1, "site": config.site_name, "skills_url": self.skills_url, "tracks": sorted({l["track"] for l in self.lessons}),
                "lessons": lessons, "quizzes": quizzes}

    def on_page_context(self, context, *, page, config, nav):
        if page.content and "data-skill-matrix" in page.content:
            fallback = render.skill_fallback(self.lessons, lambda url: get_relative_url(url, page.url))
            page.content = SKILL_MATRIX_RE.sub(lambda m: f"<div{m.group(1)}>{fallback}</div>", page.content)
        polish.author_for_template(page)
        return context

    # ------------------------------------------------------------------------------------------ output
    def _site(self, config):
        url = config.site_url or ""
        if url and not url.endswith("/"):
            url += "/"
        home = next((f.page for f in self.pages if f.page and f.page.is_homepage), None)
        return {"url": url, "name": config.site_name, "language": config.theme.get("language") or "en",
                "course_name": (home.title if home and home.title else config.site_name),
                "description": ((home.meta or {}).get("description") if home else None)
                or config.site_description or config.site_name}

    def on_nav(self, nav, *, config, files):
        self.pages = list(files.documentation_pages())
        return nav

    def page_jsonld(self, page, config):
        site = self._site(config)
        page_url = site["url"] + page.url
        meta = page.meta or {}
        md = self.renderers.get(page.file.src_uri)
        md_text = (lambda text: _plain(md(text))) if md else glossary.plain
        quizzes = self.page_quizzes.get(page.file.src_uri, [])
        nodes = []
        by_id = {lesson["id"]: lesson for lesson in self.lessons}
        lessons = [dict(lesson, abs_url=site["url"] + lesson["url"]) for lesson in self.lessons]
        if page.is_homepage:
            nodes.append(jsonld.course_node(site, lessons))
        lesson = next((l for l in self.lessons if l["src"] == page.file.src_uri), None)
        if lesson:
            nodes.append(jsonld.lesson_node(site, lesson, quizzes, page_url, md_text, by_id))
        else:
            if not page.is_homepage:
                nodes.append(jsonld.web_page(site, page_url, page.title, meta.get("description")))
            nodes += [jsonld.quiz_node(q, page_url, md_text) for q in quizzes]
        if page.file.src_uri in self.faq_html:
            nodes.append(jsonld.faq_node(self.faq_html[page.file.src_uri], page_url, page.title))
        if self.glossary_file is not None and page.file.src_uri == self.glossary_file.src_uri:
            def taught(entry):
                target = (pathlib.PurePosixPath(self.glossary_file.src_uri).parent / entry.taught_href)
                path = os.path.normpath(target.as_posix().split("#")[0]).replace(os.sep, "/")
                match = next((f for f in self.pages if f.src_uri == path), None)
                return site["url"] + match.url if match else None
            nodes.append(jsonld.glossary_node(self.entries, page_url, page.title, taught))
        return jsonld.graph(nodes)

    def on_post_page(self, output, *, page, config):
        head = [jsonld.script_tag(self.page_jsonld(page, config)),
                '<script type="application/json" id="sequencehub-course">'
                + json.dumps(self.course_json(config), separators=(",", ":")).replace("</", "<\\/") + "</script>"]
        if "</head>" in output:
            output = output.replace("</head>", "\n".join(head) + "\n</head>", 1)
        if embed_hooks:
            output = embed_hooks.on_post_page(output, page, config)
        return output

    def on_post_template(self, output, *, template_name, config):
        """Theme pages that are not documents (404.html) get structured data too."""
        if template_name == "404.html" and "</head>" in output:
            site = self._site(config)
            node = jsonld.web_page(site, site["url"] + "404.html", "Page not found", None)
            output = output.replace("</head>", jsonld.script_tag(jsonld.graph([node])) + "\n</head>", 1)
        return output

    def on_post_build(self, *, config):
        self.math.close()
        if self.config.exports:
            self.write_exports(config)
        if self.uses_engine and not self.engine_found:
            log.warning("sequencehub: pages use live demos or generated quiz items but no engine was copied: set "
                        "the plugin's engine_dir (this project: `make engine` -> .build/engine)")
        if embed_hooks:
            embed_hooks.on_post_build(config)

    def write_exports(self, config):
        """quizzes/<id>.gift and quizzes/<id>.qti.zip for every quiz (texts rendered as on the quiz's page)."""
        out = pathlib.Path(config.site_dir) / "quizzes"
        for src, page_quizzes in self.page_quizzes.items():
            md = self.renderers[src]
            for quiz in page_quizzes:
                questions = exports.static_questions(quiz, md, _generated_instance)
                out.mkdir(parents=True, exist_ok=True)
                (out / f"{quiz.id}.gift").write_text(exports.gift(quiz, questions), encoding="utf-8")
                (out / f"{quiz.id}.qti.zip").write_bytes(exports.qti_package(quiz, questions))

    def on_serve(self, server, *, config, builder):
        server.watch(str(assets.ASSETS))
        return server


# ---------------------------------------------------------------------------------------------- helpers
def _generate_kinds():
    """The kinds of generated quiz items the core knows (None when the core is not importable: no check)."""
    try:
        from rnncore import demos
        return set(demos.QUIZ_KINDS)
    except Exception:                    # noqa: BLE001 - any import problem means "cannot check"
        return None


def _generated_instance(kind):
    """One fixed instance of a generated item (seed 0) for the LMS exports, or None without the core."""
    try:
        from rnncore import demos
        item = demos.quiz_item(kind, 0)
        graded = demos.quiz_grade(kind, 0, "0")
        return {"prompt_html": item["prompt_html"], "value": graded["expected"],
                "tolerance": graded.get("tolerance", item.get("tolerance", 0))}
    except Exception:                    # noqa: BLE001
        return None


def _as_number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return 999.0


def _plain(html):
    from .htmltext import text_of
    return text_of(html)


def _strip_front_matter(text):
    """(body, line number of the body's first line) for a Markdown source with optional YAML front matter."""
    match = re.match(r"^-{3}[ \t]*\n.*?\n(?:-{3}|\.{3})[ \t]*\n", text, re.S)
    if not match:
        return text, 1
    return text[match.end():], text[:match.end()].count("\n") + 1


def _source_lines(path):
    try:
        return pathlib.Path(path).read_text(encoding="utf-8-sig").split("\n")
    except OSError:
        return None


class _LineMap:
    """Map a line of the Markdown MkDocs hands us (front matter removed, macros expanded) to its source line.

    Quiz fences are matched to the source's fences in order (or by id); inside a fence lines map one to one when
    both have the same length, otherwise by identical text, else to the fence's first line.
    """

    def __init__(self, markdown, source, quizzes):
        self.blocks = []
        if source is None:
            self.offset = 0
            return
        text = "\n".join(source)
        body, first = _strip_front_matter(text)
        self.offset = first - 1
        from .quiz import find_fences
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
