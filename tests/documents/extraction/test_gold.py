"""Score the extractor on every hand-annotated file with the shared scorer (../shared/eval/score.py).

Gold files: ../shared/eval/000_*.gold.jsonl for seed 000, tests/fixtures/extraction/*.gold.jsonl for the
others (seeds 001 and 002 read from ../shared/seeds, the hard-case texts stored beside their gold).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from shanhai.documents.extraction import extract_figures

ROOT = Path(__file__).resolve().parents[3]
SHARED = ROOT.parent / "shared"
FIXTURES = ROOT / "tests" / "fixtures" / "extraction"
TARGET = 0.97


def _gold_files() -> list[tuple[str, Path, Path]]:
    pairs = [(g.name, SHARED / "seeds" / g.name.replace(".gold.jsonl", ".txt"), g)
             for g in sorted((SHARED / "eval").glob("*.gold.jsonl"))]  # fmt: skip
    for gold in sorted(FIXTURES.glob("*.gold.jsonl")):
        local = gold.with_name(gold.name.replace(".gold.jsonl", ".txt"))
        pairs.append((gold.name, local if local.exists() else SHARED / "seeds" / local.name, gold))
    return pairs


def _scorer() -> ModuleType:
    path = SHARED / "eval" / "score.py"
    if not path.exists():
        pytest.skip(f"the shared scorer is not here ({path}): ../shared sits beside the repository in CI")
    spec = importlib.util.spec_from_file_location("shared_score", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _load(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize(
    ("name", "document", "gold"), _gold_files(), ids=lambda v: v if isinstance(v, str) else ""
)
@pytest.mark.parametrize("loose", [False, True], ids=["strict", "loose"])
def test_f1_reaches_the_target(name: str, document: Path, gold: Path, loose: bool) -> None:
    scorer = _scorer()
    if not document.exists():
        pytest.skip(f"{document} is not here: the seeds live in ../shared/seeds")
    text = document.read_text(encoding="utf-8")
    predicted = [figure.to_record() for figure in extract_figures(text)]
    tp, fp, fn, _p, _r, f1, misses = scorer.score(_load(gold), predicted, loose)
    detail = "; ".join(f"{kind} {r.get('text')!r} {r.get('value')} {r.get('unit')} {r.get('qualifier')}"
                       for kind, r in misses)  # fmt: skip
    assert f1 >= TARGET, f"{name}: tp={tp} fp={fp} fn={fn} F1={f1:.3f}: {detail}"


def test_gold_offsets_match_their_documents() -> None:
    """An annotation whose span no longer matches its text would make every score meaningless."""
    checked = 0
    for _name, document, gold in _gold_files():
        if not document.exists():
            continue
        text = document.read_text(encoding="utf-8")
        for record in _load(gold):
            start, end = int(str(record["start"])), int(str(record["end"]))
            assert text[start:end] == record["text"], (gold.name, record)
            checked += 1
    if not checked:
        pytest.skip("no gold file has its document here")
