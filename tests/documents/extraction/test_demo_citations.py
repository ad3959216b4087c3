"""Every figure the demo data cites from a seed report is one the extractor finds there: the same span,
value and qualifier. (The demo's citations were typed by hand; this keeps them and the extractor honest.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from shanhai.documents.extraction import extract_figures, read_path
from shanhai.fixtures.loader import _quantity, read_fixture

SEEDS = Path(__file__).resolve().parents[3].parent / "shared" / "seeds"


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not beside the repository")
def test_every_demo_citation_is_an_extracted_figure() -> None:
    data = read_fixture()
    files = {d["code"]: d["file"] for d in data["documents"] if d.get("file")}
    figures = {code: extract_figures(read_path(SEEDS / name)) for code, name in files.items()}
    missed = []
    checked = 0
    for row in data["values"]:
        if row.get("doc") not in files or "at" not in row:
            continue
        start, end = row["at"][0], row["at"][1]
        value, _unit, parsed = _quantity(row["fig"], 0)
        qualifier = row.get("q") or parsed.value  # the demo names the qualifier apart when it stands apart
        found = [f for f in figures[row["doc"]] if f.start <= start and end <= f.end]
        checked += 1
        if not any(f.value == value and f.qualifier == qualifier for f in found):
            missed.append(
                (row["doc"], row["fig"], start, end, [(f.text, str(f.value), f.qualifier) for f in found])
            )
    assert checked > 50
    assert not missed, missed
