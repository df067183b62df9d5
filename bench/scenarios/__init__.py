"""One module per scenario; each exposes `run(stack, *, smoke) -> list[Section]` (see bench/core.py)."""
