"""docs/api.md lists every public name (``tickstock_research.__all__``) with its signature and
an example, and is current: it is re-rendered from the docstrings and compared."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import tickstock_research as ts

ROOT = Path(__file__).resolve().parents[1]


def _api_doc():
    spec = importlib.util.spec_from_file_location("api_doc", ROOT / "scripts" / "api_doc.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_public_name_has_a_signature_and_an_example():
    entries = _api_doc().entries()
    assert sorted(name for name, *_ in entries) == sorted(n for n in ts.__all__ if n != "__version__")
    assert [name for name, _, _, example in entries if not example] == []
    assert [name for name, _, summary, _ in entries if not summary] == []


def test_docs_api_md_is_current():
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    assert text == _api_doc().render(), "docs/api.md is stale: run `python scripts/api_doc.py`"
    for name in ts.__all__:
        if name != "__version__":
            assert f"## `{name}`" in text


def _callables():
    import inspect

    for name in ts.__all__:
        obj = getattr(ts, name)
        if inspect.isclass(obj):
            yield name, obj.__init__
        elif callable(obj):
            yield name, obj


def test_the_database_is_named_the_same_way_everywhere():
    """``engine_or_url`` (an Engine, a URL or None) is keyword-only in every public function but
    ``get_engine`` (whose one subject it is); ``environ`` is always keyword-only."""
    import inspect

    wrong = []
    for name, fn in _callables():
        try:
            params = [p for p in inspect.signature(fn).parameters.values() if p.name != "self"]
        except (TypeError, ValueError):
            continue
        for i, p in enumerate(params):
            if p.name in ("url", "engine", "conn_url"):
                wrong.append(f"{name}: {p.name} (call it engine_or_url)")
            if p.name == "engine_or_url" and name != "get_engine" and p.kind is not p.KEYWORD_ONLY:
                wrong.append(f"{name}: engine_or_url is positional parameter {i + 1}")
            if p.name == "environ" and p.kind is not p.KEYWORD_ONLY and i > 0:
                wrong.append(f"{name}: environ is positional")
    assert wrong == []
