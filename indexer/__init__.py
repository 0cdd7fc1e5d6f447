"""The Whoosh side of kbarchive: schema and analyzers (``schema``), building and updating
the index (``build``), and the lookups the CLI runs (``query``).

Imports :mod:`kb.model` and :mod:`kb.codes` only, never the CLI.
"""
