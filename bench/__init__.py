"""Keel's benchmark harness: ``make bench`` (``python -m bench``), see docs/benchmarks.md.

It is also a tiny Django app (installed only by ``bench.settings``) that adds the yardstick
page, so the harness can compare Keel's pages with a bare Django page on the same server.
"""
