"""The plugin's options, one config class per feature (as Material's plugins keep theirs in ``config.py``).

A site writes them flat under ``- sequencehub:`` in mkdocs.yml; ``SequenceHubConfig`` is their union.
"""
from mkdocs.config import base
from mkdocs.config import config_options as c


class EngineConfig(base.Config):
    """The compiled core in the browser and the libraries the pages load (``assets``)."""
    engine_dir = c.Optional(c.Type(str))          # built engine (Pyodide runtime + wheel) -> site/engine/
    models_dir = c.Optional(c.Type(str))          # trained models -> site/engine/models/
    node_modules = c.Optional(c.Type(str))        # default: <config dir>/node_modules


class QuizConfig(base.Config):
    """Quizzes (``quiz``, ``render``) and their LMS exports (``exports``)."""
    exports = c.Type(bool, default=True)


class CourseConfig(base.Config):
    """The course model: lessons, skills, the FAQ's structured data (``jsonld``)."""
    track = c.Optional(c.Type(str))               # lessons' track when front matter has none (default: site_name)
    faq = c.Type(str, default="faq.md")


class GlossaryConfig(base.Config):
    """The glossary page and its tooltips on other pages (``glossary``)."""
    glossary = c.Type(str, default="glossary.md")
    tooltips = c.Type(bool, default=True)


class EmbedConfig(base.Config):
    """Embed pages, SCORM packages, the offline service worker (``embed``); each on unless set to false
    (``mkdocs serve`` turns the last two off)."""
    embed = c.Optional(c.Type(bool))
    offline = c.Optional(c.Type(bool))
    scorm = c.Optional(c.Type(bool))
    # The score a SCORM package reports: "first" = the share of questions answered right at the first try of an
    # attempt (what the skill matrix counts); "best" = the share answered right by the end of the attempt.
    scorm_score = c.Choice(("first", "best"), default="first")


FEATURES = (EngineConfig, QuizConfig, CourseConfig, GlossaryConfig, EmbedConfig)


class SequenceHubConfig(*FEATURES):
    """Every feature's options, flat. base.Config builds a class's schema from its first base only, so the
    features' schemas are joined here; the options read as attributes through the bases."""
    _schema = tuple(item for feature in FEATURES for item in feature._schema)
