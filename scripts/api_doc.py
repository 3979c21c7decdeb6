"""Write docs/api.md from the public API's signatures and docstrings (``python scripts/api_doc.py``).

tests/test_api_doc.py renders the same text and fails when docs/api.md is out of date or a
public name has no example.
"""
from __future__ import annotations

import inspect
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADER = """# API reference

Every public name of `tickstock_research` (its `__all__`), importable from the top level:
`from tickstock_research import HistoricalLoader, load_ticks, scan`. Generated from the
signatures and docstrings by `scripts/api_doc.py`; `tests/test_api_doc.py` keeps it current.
Functions that touch the database take `engine_or_url` (an Engine, a URL, or None for
`TICKSTOCK_DATABASE_URL`, else the embedded database).
"""


def _summary(doc: str) -> str:
    paragraph = []
    for line in doc.strip().splitlines():
        if not line.strip():
            break
        paragraph.append(line.strip())
    return " ".join(paragraph)


def _example(doc: str) -> list[str]:
    lines, taking = [], False
    for line in doc.splitlines():
        stripped = line.strip()
        if stripped.startswith(">>>"):
            taking = True
            lines.append(stripped.split("# doctest:")[0].rstrip())
        elif taking and stripped.startswith("..."):
            lines.append(stripped.split("# doctest:")[0].rstrip())
        elif taking:
            break
    return lines


def entries() -> list[tuple[str, str, str, list[str]]]:
    """(name, signature, summary, example lines) for every public name but ``__version__``."""
    import tickstock_research as ts

    found = []
    for name in sorted(n for n in ts.__all__ if n != "__version__"):
        obj = getattr(ts, name)
        target = obj.__init__ if inspect.isclass(obj) else obj
        signature = str(inspect.signature(target)).replace("(self, ", "(").replace("(self)", "()")
        doc = inspect.getdoc(obj) or ""
        example = _example(doc) or _example(inspect.getdoc(target) or "")
        if not example:
            module_doc = inspect.getdoc(sys.modules[obj.__module__]) or ""
            example = [line for line in _example(module_doc) if name in line] and _example(module_doc)
        found.append((name, f"{name}{signature}", _summary(doc), example or []))
    return found


def render() -> str:
    parts = [HEADER]
    for name, signature, summary, example in entries():
        parts.append(f"## `{name}`\n\n```python\n{signature}\n```\n\n{summary}\n")
        if example:
            parts.append("```python\n" + "\n".join(example) + "\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    (ROOT / "docs" / "api.md").write_text(render(), encoding="utf-8")
    print("wrote docs/api.md")
