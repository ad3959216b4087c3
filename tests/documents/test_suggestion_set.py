"""The annotated set for review suggestions (eval/suggestions): every record resolves to a span of its
report and uses codes of the catalogue, the catalogue is the demo's, and the scorer prints its table."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SETS = ROOT / "eval" / "suggestions"
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _scorer():
    spec = importlib.util.spec_from_file_location(
        "score_suggestions", ROOT / "scripts" / "score_suggestions.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _codes(catalogue: str, section: str) -> set[str]:
    part = catalogue.split(f"## {section}")[1].split("\n## ")[0]
    return {
        line.split("|")[1].strip()
        for line in part.splitlines()
        if line.startswith("| ") and "code" not in line
    }


def test_every_record_resolves_and_uses_codes_of_the_catalogue() -> None:
    catalogue = (SETS / "catalogue.md").read_text(encoding="utf-8")
    known = {
        "element": _codes(catalogue, "Data elements"),
        "org_unit": _codes(catalogue, "Org units"),
        "programme": _codes(catalogue, "Programmes"),
    }
    scorer = _scorer()
    for split in ("dev", "frozen", "frozen2"):
        index_file = SETS / split / "index.json"
        if not index_file.exists():
            continue
        for name in json.loads(index_file.read_text(encoding="utf-8")):
            text = (SETS / split / f"{name}.txt").read_text(encoding="utf-8")
            lines = (SETS / split / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
            records = [json.loads(line) for line in lines if line.strip()]
            for gold in scorer.gold_figures(text, records, name):
                assert text[gold.start : gold.end] == gold.record["text"]
                before = text[gold.start - 1] if gold.start else ""
                assert not (before.isdigit() or before == "."), (
                    f"{name}: {gold.record} is inside a longer number"
                )
                for field, codes in known.items():
                    assert gold.record[field] is None or gold.record[field] in codes, (name, gold.record)
                assert gold.record["kind"] in {"actual", "target"}


def test_the_catalogue_is_the_demos_and_the_scorer_prints_its_table(tmp_path: Path, capsys) -> None:
    scorer = _scorer()
    session = scorer.demo_session(tmp_path)
    try:
        assert scorer.catalogue(session) == (SETS / "catalogue.md").read_text(encoding="utf-8")
    finally:
        session.close()
    assert scorer.main(["dev"]) == 0
    out = capsys.readouterr().out
    annotated = sum(
        len((SETS / "dev" / f"{name}.jsonl").read_text(encoding="utf-8").split("\n")) - 1
        for name in json.loads((SETS / "dev" / "index.json").read_text(encoding="utf-8"))
    )
    assert f"{annotated} annotated figures" in out
    for field in ("element", "kind", "org_unit", "period", "programme"):
        assert out.count(f"\n{field} ") == 1
    assert "extractor (strict): precision" in out
