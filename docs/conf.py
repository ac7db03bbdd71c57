"""Sphinx configuration of the hermite_rev documentation.

Build (offline, warnings are errors)::

    python -m sphinx -W -b html docs docs/_build/html

At build time this file copies ``proofs/*.md`` into ``docs/proofs/`` (ignored by git, so the
derivations live in one place) and runs ``examples/*.py`` in their fast mode through
sphinx-gallery (``HERMITE_REV_DOCS_FULL=1`` runs them with their default arguments instead).
"""

import os
import pathlib
import shutil
import sys

DOCS = pathlib.Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))  # document this checkout, not an installed copy
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("NUMBA_NUM_THREADS", "2")

import hermite_rev

project = "hermite_rev"
author = "The hermite_rev developers"
copyright = "2026, The hermite_rev developers"
release = hermite_rev.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = [
    "_build",
    "**.ipynb_checkpoints",
    "auto_examples/*.py",
    "auto_examples/*.ipynb",
    "auto_examples/*.json",
    "auto_examples/*.zip",
    "auto_examples/*.md5",
]
templates_path = ["_templates"]
suppress_warnings = [
    "config.cache",  # sphinx_gallery_conf holds functions; the build never relies on the cache
    # a type in a signature (``-> TaylorCoeffs``) names a class the facade ``hermite_rev`` re-exports,
    # so it has two documented targets (hermite_rev.X and its module's X, the same object): Sphinx
    # links the first and would warn that there are two
    "ref.python",
]

# -- MyST: the guide pages and proofs use $...$ / $$...$$ math and fenced code -----------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
myst_dmath_double_inline = True

# -- API reference ----------------------------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"members": True, "show-inheritance": False}
autodoc_member_order = "bysource"
# The annotations are shown in the signatures (one parameter a line when long); the numpydoc
# Parameters sections say the same in words.  Names such as ``RealLike`` or ``KernelLike`` are the
# aliases of ``hermite_rev._core.typing`` (see the Typing section of the getting-started page).
autodoc_typehints = "signature"
autodoc_typehints_format = "short"
python_maximum_signature_line_length = 100
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()

# no intersphinx: the build must not need the network

# -- MathJax: served from the built site, so formulas render offline --------------------------
# The MathJax 3 files come from the django-static-mathjax package (in the docs extra: it is a
# plain copy of MathJax's es5 build, importable as ``mathjax``, no Django needed).  The parts the
# pages load are copied to _static/mathjax when the HTML build finishes.
MATHJAX_PARTS = ["tex-mml-chtml.js", "input", "output/chtml", "a11y", "ui", "sre", "adaptors"]


def _mathjax_es5():
    import importlib.util

    spec = importlib.util.find_spec("mathjax")
    for location in (spec.submodule_search_locations or []) if spec else []:
        es5 = pathlib.Path(location) / "static" / "mathjax" / "es5"
        if (es5 / "tex-mml-chtml.js").exists():
            return es5
    return None


MATHJAX_ES5 = _mathjax_es5()
if MATHJAX_ES5 is None:
    raise RuntimeError(
        "the documentation serves MathJax from the built site (no network): install the docs extra, "
        "pip install -e '.[docs]' (it brings django-static-mathjax, MathJax 3 as a Python package)"
    )
mathjax_path = "mathjax/tex-mml-chtml.js"  # relative: under _static/ of the built site


def _copy_mathjax(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    dst = pathlib.Path(app.outdir) / "_static" / "mathjax"
    for part in MATHJAX_PARTS:
        src = MATHJAX_ES5 / part
        if src.is_dir():
            shutil.copytree(src, dst / part, dirs_exist_ok=True)
        else:
            (dst / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst / part)
    shutil.copyfile(MATHJAX_ES5.parent / "LICENSE", dst / "LICENSE")  # Apache-2.0: ship its notice


# -- sphinx-gallery: examples/ run in their fast mode -----------------------------------------
GALLERY_OUT = DOCS / "_build" / "gallery_out"
FULL = os.environ.get("HERMITE_REV_DOCS_FULL") == "1"


def _example_argv(gallery_conf, script_vars):
    """Command-line arguments for an example: its fast mode, figures written where the scraper
    below picks them up."""
    path = pathlib.Path(script_vars["src_file"])
    text = path.read_text()
    out_dir = GALLERY_OUT / path.stem
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    argv = []
    if "--fast" in text and not FULL:
        argv.append("--fast")
    if path.stem == "shallowify" and not FULL:
        argv += ["--n", "16", "--dps", "20"]
    if "--out" in text:
        suffix = ".py" if path.stem == "export_torch" else ".png"
        argv += ["--out", str(out_dir / f"{path.stem}{suffix}")]
    return argv


class SavedFigureScraper:
    """Show the figures an example saved (library code closes its figures after saving them, so
    matplotlib's own scraper sees nothing) together with any figure still open."""

    def __repr__(self):  # sphinx-gallery keys its cache on the repr
        return "SavedFigureScraper"

    def __call__(self, block, block_vars, gallery_conf):
        from sphinx_gallery.scrapers import figure_rst, matplotlib_scraper

        stem = pathlib.Path(block_vars["src_file"]).stem
        out_dir = GALLERY_OUT / stem
        seen = block_vars.setdefault("_hermite_rev_seen", set())
        paths = []
        for png in sorted(out_dir.glob("*.png"), key=lambda p: p.stat().st_mtime):
            if png in seen:
                continue
            seen.add(png)
            target = next(block_vars["image_path_iterator"])
            shutil.copyfile(png, target)
            paths.append(target)
        if not paths:
            return matplotlib_scraper(block, block_vars, gallery_conf)
        import matplotlib.pyplot as plt

        plt.close("all")  # the saved file is the figure; do not show it twice
        return figure_rst(paths, gallery_conf["src_dir"])


sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r".*\.py$",  # run every example, not only plot_*.py
    "reset_argv": _example_argv,
    "image_scrapers": (SavedFigureScraper(),),
    "download_all_examples": True,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "show_memory": False,
    "min_reported_time": 1,
    "within_subsection_order": "FileNameSortKey",
    # the execution-times pages load jQuery and DataTables from CDNs: the site must read offline
    "write_computation_times": False,
}

# -- HTML -------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"hermite_rev {release}"
html_static_path = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_show_sourcelink = False
html_copy_source = False  # no _sources/ copies: nothing links to them


# -- proofs/: copied at build time (one copy in git) --------------------------------------------
def _copy_proofs(app):
    src = ROOT / "proofs"
    dst = DOCS / "proofs"
    dst.mkdir(exist_ok=True)
    docs = sorted(p for p in src.glob("[0-9]*.md"))
    for p in docs:
        text = p.read_text()
        test = src / f"test_{p.stem}.py"
        if test.exists():
            text += (
                f"\n\n## The check\n\n`proofs/{test.name}` (run by `python -m pytest -q proofs`):\n\n"
                f"```{{literalinclude}} ../../proofs/{test.name}\n:language: python\n```\n"
            )
        _write_if_changed(dst / p.name, text)
    index = (src / "README.md").read_text()
    index += "\n```{toctree}\n:hidden:\n\n" + "\n".join(p.stem for p in docs) + "\n```\n"
    _write_if_changed(dst / "index.md", index)


def _write_if_changed(path, text):
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


# -- docstrings are written for people reading the source: plain-text |x| and trailing-underscore
# names (c_) are literal there, but RST would read them as substitutions and link targets.  Escape
# them outside literals, roles and math before numpydoc/docutils see them. ------------------------
import re

_INLINE = re.compile(r"(``.*?``|:\w+:`[^`]*`|`[^`]*`_?)")
_TRAILING_UNDERSCORE = re.compile(r"(?<=\w)_(?=[\s\-+.,;:!?/'\")\]}>]|$)")


def _escape_plain(text):
    parts = _INLINE.split(text)
    for i in range(0, len(parts), 2):  # even parts are outside literals and roles
        parts[i] = _TRAILING_UNDERSCORE.sub(r"\\_", parts[i].replace("|", r"\|"))
    return "".join(parts)


def _index_as_literal(lines):
    """The module docstrings' "Index" section is an aligned two-column list: show it verbatim."""
    for i in range(len(lines) - 1):
        if lines[i].strip() == "Index" and set(lines[i + 1].strip()) == {"-"}:
            lines[i : i + 2] = [".. rubric:: Index", "", "::", ""]
            j = i + 4
            while j < len(lines) and lines[j].strip():
                lines[j] = "    " + lines[j]
                j += 1
            return


def _escape_docstring(app, what, name, obj, options, lines):
    _index_as_literal(lines)
    in_block = None  # indentation of the directive/literal block we are in
    doctest = False
    for i, line in enumerate(lines):
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if in_block is not None:
            if stripped and indent <= in_block:
                in_block = None
            else:
                continue
        if stripped.startswith(">>>"):
            doctest = True
        if doctest:
            if not stripped:
                doctest = False
            continue
        if stripped.startswith(".. ") or line.rstrip().endswith("::"):
            in_block = indent
            continue
        lines[i] = _escape_plain(line)


# -- the gallery shows what the examples print: not the paths of the machine that built the site.
# The examples write their figures to GALLERY_OUT (absolute paths, so the scraper finds them);
# in the pages those paths read as out/..., as when an example is run by hand.
def _scrub_build_paths(app, docname, source):
    if docname.startswith("auto_examples/"):
        text = source[0].replace(str(GALLERY_OUT) + os.sep, "out" + os.sep)
        source[0] = text.replace(str(ROOT) + os.sep, "")


def setup(app):
    app.connect("builder-inited", _copy_proofs)
    app.connect("source-read", _scrub_build_paths)
    app.connect("build-finished", _copy_mathjax)
    app.connect("autodoc-process-docstring", _escape_docstring, priority=400)
