"""The Content-Security-Policy of every page the site ships: lessons (``partials/csp.html`` in the theme), embed
pages and the SCORM packages' pages (``embed/templates/csp.html``). Both templates read :data:`POLICY` from the
Jinja global ``sequencehub_csp``; a host should send the same policy as a response header (with
``frame-ancestors`` added there if it wants to restrict who may frame the embeds: a ``<meta>`` policy cannot).

No page carries an inline script (Material's own are replaced by files in ``overrides/theme``), so scripts run
only from the site's own files, and markup injected into a page can run nothing:

    script-src 'self' 'wasm-unsafe-eval'   our files; WebAssembly compilation for Pyodide and the core (never
                                           'unsafe-eval' or 'unsafe-inline')
    worker-src 'self'                      the engine worker and Material's search worker, from files only
    style-src 'self' 'unsafe-inline'       ECharts, KaTeX and Material set element styles; styles run no code
    img-src 'self' data:                   Material's icons are data: SVG in its stylesheet
    object-src 'none', base-uri 'self', form-action 'self', and 'self' for everything else (no other host)
"""

DIRECTIVES = (
    ("default-src", "'self'"),
    ("script-src", "'self' 'wasm-unsafe-eval'"),
    ("worker-src", "'self'"),
    ("style-src", "'self' 'unsafe-inline'"),
    ("img-src", "'self' data:"),
    ("font-src", "'self'"),
    ("connect-src", "'self'"),
    ("object-src", "'none'"),
    ("base-uri", "'self'"),
    ("form-action", "'self'"),
)

#: The policy as one header / <meta> value.
POLICY = "; ".join(f"{name} {value}" for name, value in DIRECTIVES)


def install(env):
    """Make the policy available to the templates of a Jinja environment (the theme's or the embed pages')."""
    env.globals["sequencehub_csp"] = POLICY
    return env
