"""Reproducible benchmarks: `python -m bench <name> [--size N] [--database-url URL]`.

Each prints one JSON line of figures and writes it to bench/results/<name>.json. See
docs/performance.md for the figures and how they were measured.
"""
