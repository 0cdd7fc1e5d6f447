"""The one thing pyproject.toml cannot say: every kb* and indexer* package as found, plus
the theme folder site/ shipped as the package kb.theme (so the installed tool finds its
templates and static files through importlib.resources; no package may be named `site`).
"""

from setuptools import find_namespace_packages, setup

setup(
    packages=[*find_namespace_packages(include=["kb", "kb.*", "indexer", "indexer.*"]), "kb.theme"],
    package_dir={"kb.theme": "site"},
)
