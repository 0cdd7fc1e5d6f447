"""Benchmarks and scoring scripts; each prints a table and one JSON line."""
