"""Toolkit that fetches, patches, builds, tests and benchmarks CPython variants."""
