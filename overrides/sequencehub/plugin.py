"""The Sequence Hub MkDocs plugin (entry point ``sequencehub``).

Design
------
A. ``plugin``   this file: the MkDocs events, and nothing else. It keeps one build's state on the plugin
                instance (quizzes per page, glossary entries, the course's lessons, the embedding record) and
                hands the work to the modules below. ``config`` holds the options, one class per feature.
B. ``quiz``     the quiz syntax: ```quiz fences -> Quiz objects, or errors with line numbers (``sources`` maps
                them back to the source file's lines).
C. ``render``   the markup the plugin writes into pages, from the Jinja partials in ``templates/partials/
                sequencehub/`` (the quiz widget, a generated item's prompt, the author card, the skill matrix's
                no-JavaScript fallback, a demo's frame); a site overrides any of them from its ``custom_dir``.
   ``htmltext`` the one way the plugin reads and rewrites HTML (a tokenizer with exact offsets).
   ``lessons``  the course model (lessons, prerequisites) and the course JSON the browser reads.
   ``macros``   the numbers on the pages (an mkdocs-macros module), computed by ``rnncore.course``.
D. ``exports``  each quiz as Moodle GIFT and as an IMS QTI 2.1 package, under ``quizzes/``.
E. ``jsonld``   schema.org structured data for every page's <head>.
F. ``glossary`` the glossary's entries, its cards and term index, and tooltips on other pages.
G. ``assets``   the browser assets, the vendored KaTeX and ECharts (from node_modules), the engine and models.
H. ``embed``    (a sub-package) embed pages, SCORM packages and the offline service worker: one
                ``embed.hooks.Embedding`` per build, fed by the events below.

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
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.config.config_options import ExtraScriptValue
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.utils import get_relative_url

from . import assets, csp, exports, glossary, htmltext, jsonld, lessons, mathml, mathtex, polish, previews
from .config import SequenceHubConfig
from .embed import hooks as embed_hooks
from .embed import packaging
from .quiz import parse_page
from .render import Partials
from .sources import LineMap, source_lines, strip_front_matter

try:
    from rnncore import course, demos
except ImportError as exc:                  # the site's numbers and generated items come from the core
    raise ImportError(f"sequencehub: the compiled core rnncore cannot be imported ({exc}); build it with "
                      "`make core` (or pip install the project) before building the site") from exc

log = logging.getLogger("mkdocs.plugins.sequencehub")
PLACEHOLDER = "sequencehubquizplaceholder{:04d}"
PLACEHOLDER_RE = re.compile(r"sequencehubquizplaceholder(\d{4})")


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
        self.partials = Partials()
        self.embedding = None

    # ------------------------------------------------------------------------------------------ config, files
    def on_startup(self, *, command, dirty):
        self.command = command

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
        self.partials = Partials(config.theme.dirs)
        self.embedding = embed_hooks.Embedding(
            {k: self.config[k] for k in ("embed", "offline", "scorm", "scorm_score")},
            assets.node_modules_dirs(self.config.node_modules, self.config_dir), serving=self.command == "serve",
            partials=self.partials, previews=self.previews)
        self.math.on_config(assets.node_modules_dirs(self.config.node_modules, self.config_dir))
        self.katex = mathml.Katex(self.math)      # MathML for exports and plain text, from the same KaTeX process
        return config

    def models_folder(self, config):
        """The folder of the shipped models (the ``models_dir`` option, relative to mkdocs.yml, else the copy a
        shipped wheel carries), or None; mkdocs-macros asks for it before this plugin's own on_config."""
        return packaging.resolve("models", self.config.models_dir, config.config_file_path, required=False)

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
        engine = packaging.resolve("engine", self.config.engine_dir, config.config_file_path, required=False)
        if engine is not None:
            assets.add(files, assets.tree(engine, "engine", config))
            self.engine_found = True
        elif self.config.engine_dir:
            # A warning: `mkdocs build --strict` fails, a plain build goes on without live demos.
            log.warning("sequencehub: engine_dir %s does not exist: run `make engine` first (demos need it)",
                        self._path(self.config.engine_dir))
        models = self.models_folder(config)
        self.previews.models = models
        if models is not None:
            assets.add(files, assets.tree(models, "engine/models", config))
        elif self.config.models_dir:
            # Only the text-generation demo needs the models: say so, but do not fail a strict build.
            log.info("sequencehub: models_dir %s does not exist (`make models`): the text-generation demo will "
                     "have no model", self._path(self.config.models_dir))
        self._read_glossary(files)
        return files

    def _read_glossary(self, files):
        file = files.get_file_from_path(self.config.glossary)
        if file is None or not file.is_documentation_page():
            return
        self.glossary_file = file
        text = pathlib.Path(file.abs_src_path).read_text(encoding="utf-8-sig")
        body, first = strip_front_matter(text)
        entries, errors = glossary.parse(body, first)
        if errors:
            raise PluginError("\n".join(f"{self._where(file)}:{e.line}: {e.message}" for e in errors))
        self.entries = entries
        self.tooltips = glossary.Tooltips(entries, self.partials) if self.config.tooltips else None

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
                markdown = glossary.rewrite_markdown(markdown, self.entries, self.partials)
        quizzes, errors = parse_page(markdown, set(demos.QUIZ_KINDS))
        where = self._where(page.file)
        mapping = LineMap(markdown, source_lines(page.file.abs_src_path))
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
            card = self.partials.author_card(author)
            html = htmltext.insert_after(html, "h1", card) or card + html
        quizzes = self.page_quizzes.get(page.file.src_uri)
        if quizzes:
            html = self._place_quizzes(html, quizzes, page, config, files)
        if page.file.src_uri == self.config.faq:
            self.faq_html[page.file.src_uri] = html
        html = htmltext.replace_elements(html, lambda el: el.tag == "table" and "class" not in el.attrs,
                                         lambda el: self.partials.table(el.outer))
        html = self.math.typeset(html, self._where(page.file))
        return self.previews.add(html) if 'data-demo="' in html else html

    def _place_quizzes(self, html, quizzes, page, config, files):
        """Each quiz's placeholder (a paragraph of its own, or text) becomes the quiz widget."""
        md = self.markdown_renderer(page, config, files)
        self.renderers[page.file.src_uri] = md

        def widget(n):
            quiz = quizzes[int(n)]
            downloads = None
            if self.config.exports:
                downloads = [("Moodle GIFT", get_relative_url(f"quizzes/{quiz.id}.gift", page.url)),
                             ("QTI 2.1 package", get_relative_url(f"quizzes/{quiz.id}.qti.zip", page.url))]
            return self.partials.quiz(quiz, self.math.wrap(md, self._where(page.file)), downloads)

        html = htmltext.replace_elements(
            html, lambda el: el.tag == "p" and PLACEHOLDER_RE.fullmatch(el.inner.strip()) is not None,
            lambda el: widget(PLACEHOLDER_RE.fullmatch(el.inner.strip()).group(1)))
        return htmltext.rewrite_text(html, lambda text, _: PLACEHOLDER_RE.sub(lambda m: widget(m.group(1)), text))

    # ------------------------------------------------------------------------------------------ course model
    def on_env(self, env, *, config, files):
        """All pages are read: the course's lessons, in order, from their front matter."""
        self.lessons = lessons.collect(files, self.page_quizzes, self.config.track or config.site_name)
        csp.install(env)
        return env

    def on_page_context(self, context, *, page, config, nav):
        if page.content and "data-skill-matrix" in page.content:
            fallback = self.partials.skill_fallback(self.lessons, lambda url: get_relative_url(url, page.url))
            page.content = htmltext.replace_elements(
                page.content, lambda el: "data-skill-matrix" in el.attrs and not el.inner.strip(),
                lambda el: f"{el.start_tag}{fallback}</{el.tag}>")
        polish.author_for_template(page)
        return context

    # ------------------------------------------------------------------------------------------ output
    def _site(self, config):
        url = config.site_url or ""
        if url and not url.endswith("/"):
            url += "/"
        home = next((f.page for f in self.pages if f.page and f.page.is_homepage), None)
        return {"url": url, "name": config.site_name, "language": config.theme.get("language") or "en",
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
        as_text = (lambda text: htmltext.text_of(md(text))) if md else glossary.plain
        md_text = lambda text: self.katex.plain(as_text(text))        # noqa: E731  math as Unicode text
        quizzes = self.page_quizzes.get(page.file.src_uri, [])
        nodes = []
        by_id = {lesson["id"]: lesson for lesson in self.lessons}
        lessons = [dict(lesson, abs_url=site["url"] + lesson["url"]) for lesson in self.lessons]
        if page.is_homepage:
            nodes.append(jsonld.course_node(site, lessons))
        lesson = next((l for l in self.lessons if l["src"] == page.file.src_uri), None)
        if lesson:
            nodes.append(jsonld.lesson_node(site, lesson, quizzes, page_url, md_text, by_id, self.generated_instance))
        else:
            if not page.is_homepage:
                nodes.append(jsonld.web_page(site, page_url, page.title, meta.get("description")))
            nodes += [jsonld.quiz_node(q, page_url, md_text, instance=self.generated_instance) for q in quizzes]
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
        course_json = lessons.course_json(config.site_name, self.lessons, self.page_quizzes, self.skills_url)
        head = [jsonld.script_tag(self.page_jsonld(page, config)),
                '<script type="application/json" id="sequencehub-course">'
                + json.dumps(course_json, separators=(",", ":")).replace("</", "<\\/") + "</script>"]
        output = htmltext.insert_before_end(output, "head", "\n".join(head) + "\n")
        return self.embedding.on_post_page(output, page)

    def on_post_template(self, output, *, template_name, config):
        """Theme pages that are not documents (404.html) get structured data too."""
        if template_name == "404.html":
            site = self._site(config)
            node = jsonld.web_page(site, site["url"] + "404.html", "Page not found", None)
            output = htmltext.insert_before_end(output, "head", jsonld.script_tag(jsonld.graph([node])) + "\n")
        return output

    def on_post_build(self, *, config):
        try:
            if self.config.exports:
                self.write_exports(config)
            if self.uses_engine and not self.engine_found:
                log.warning("sequencehub: pages use live demos or generated quiz items but no engine was copied: "
                            "set the plugin's engine_dir (this project: `make engine` -> .build/engine)")
            self.embedding.on_post_build(config)
        finally:
            self.math.close()          # the build's KaTeX process: pages, then the exports' MathML

    def on_build_error(self, *, error):
        self.math.close()

    def generated_instance(self, kind):
        """One fixed instance of a generated item (seed 0) for the LMS exports and JSON-LD: its prompt, answer,
        tolerance and worked solution, every number the core's."""
        item = course.quiz_instance(kind, 0)
        return {"prompt_html": self.partials.generated_prompt(kind, item["numbers"], item["tolerance"]),
                "value": item["value"], "tolerance": item["tolerance"],
                "worked_html": exports.worked_html(demos.quiz_worked(kind, 0))}

    def write_exports(self, config):
        """quizzes/<id>.gift and quizzes/<id>.qti.zip for every quiz (texts rendered as on the quiz's page)."""
        out = pathlib.Path(config.site_dir) / "quizzes"
        for src, page_quizzes in self.page_quizzes.items():
            for quiz in page_quizzes:
                exports.write(out, quiz, self.renderers[src], self.katex, self.generated_instance)

    def on_serve(self, server, *, config, builder):
        server.watch(str(assets.ASSETS))
        return server
