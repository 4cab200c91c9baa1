"""Sphinx configuration for the dynsys_align documentation."""

project = "dynsys_align"
author = "dynsys_align developers"
release = "0.1.0"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
]
autosummary_generate = True
numpydoc_show_class_members = False
exclude_patterns = ["_build"]
html_theme = "alabaster"
html_static_path = ["_static"]
