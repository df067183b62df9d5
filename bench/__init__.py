"""JONQUILS benchmarks: `python -m bench` runs every scenario against a seeded stack (see bench/README.md)."""
