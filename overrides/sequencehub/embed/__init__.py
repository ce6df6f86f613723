"""Embedding and offline reading for Sequence Hub sites (issue 5).

Design
------
A. ``hooks``     the only entry from the MkDocs plugin: ``on_config`` resets the build's record, ``on_post_page``
                 records what each page holds (quizzes, demos, stylesheets, lesson metadata) and injects the
                 service-worker registration, ``on_post_build`` writes everything below into the built site.
B. ``extract``   reads rendered HTML (no third-party parser): the outer HTML of ``[data-quiz]``/``[data-demo]``
                 roots, a page's stylesheets, module scripts and ``<body>`` palette attributes.
C. ``pages``     the standalone embed pages ``embed/v1/<demo>/``, ``embed/v1/quiz/<id>/`` (canonical, frozen
                 contract) and their aliases ``embed/<demo>/``, ``embed/quiz/<id>/`` (newest version, today v1).
D. ``offline``   the build-time precache manifest and ``sw.js`` at the site root (scope = the whole site), whose
                 cache name is a hash of every precached file, so a rebuild installs a fresh cache and drops the old.
E. ``scorm``     a lesson as a SCORM 1.2 package (``scorm/<lesson>.zip``); also a command:
                 ``python -m sequencehub.embed.scorm SITE_DIR lessons/lstm/ -o lstm.zip``.
F. ``packaging`` where a third-party site finds the engine (``engine_dir``, or the copy shipped inside the package).

Browser side, in ``assets/embed/`` (copied with the plugin's assets to ``assets/sequencehub/embed/``):
``embed.js`` (URL parameters, theme, height), ``bridge.js`` (the postMessage protocol), ``scorm.js`` (the SCORM 1.2
API adapter), ``sw-register.js`` (service-worker registration); ``assets/sw.js`` is the service-worker template.
Every URL written into a page is relative, so a site works under any sub-path.
"""
EMBED_VERSION = "v1"
DEMOS = ("hidden-state", "gate-inspector", "vanishing-gradient", "training-race", "bidirectional",
         "text-generation", "playground")
