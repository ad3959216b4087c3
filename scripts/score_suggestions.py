"""Score the review suggestions (element, org unit, period, programme of each figure) and the extractor on an
annotated split of eval/suggestions (see its GUIDELINE.md).

usage: python scripts/score_suggestions.py dev|frozen|DIR [-v]
       python scripts/score_suggestions.py --catalogue        (the codes annotators choose from, as Markdown)

The suggester runs as it does on an upload — against the demo's elements, units and programmes, for an
account of the report's uploading unit — on a fresh SQLite database in a temporary directory.
Printed: per field, top-1 and top-3 accuracy over the annotated figures the extractor found (an abstention
counts as wrong); how many figures with no fitting element were offered one anyway; abstentions; and the
extractor's strict precision, recall and F1 (same span, value within 0.5 %, same unit).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shanhai.auth.permissions import ALL_PERMISSIONS
from shanhai.auth.scope import Actor
from shanhai.db import make_engine, session_factory, transaction
from shanhai.documents.extraction import extract_figures
from shanhai.documents.extraction.figure import Figure
from shanhai.documents.when import report_period
from shanhai.fixtures.loader import load_demo
from shanhai.flows.suggest import Suggester
from shanhai.indicators.models import DataElement
from shanhai.lib.hanzi import simplified
from shanhai.migrations import upgrade
from shanhai.orgunits.models import OrgUnit
from shanhai.programmes.models import Place, Programme

ROOT = Path(__file__).resolve().parent.parent
SETS = ROOT / "eval" / "suggestions"
FIELDS = ("element", "kind", "org_unit", "period", "programme")


@dataclass
class Gold:
    start: int
    end: int
    record: dict[str, Any]


def gold_figures(text: str, records: list[dict[str, Any]], name: str) -> list[Gold]:
    """Each record's span: the `occurrence`-th place where its `text` stands in the report."""
    found = []
    for record in records:
        at = -1
        for _ in range(record.get("occurrence", 0) + 1):
            at = text.find(record["text"], at + 1)
            if at < 0:
                raise SystemExit(
                    f"{name}: “{record['text']}” (occurrence {record.get('occurrence', 0)}) not in text"
                )
        found.append(Gold(at, at + len(record["text"]), record))
    return found


def same_value(a: Decimal, b: Decimal) -> bool:
    return abs(a - b) <= abs(b) * Decimal("0.005")


def strict(figure: Figure, gold: Gold) -> bool:
    value = Decimal(str(gold.record["value"]))
    return (
        (figure.start, figure.end) == (gold.start, gold.end)
        and same_value(figure.value, value)
        and figure.unit == simplified(gold.record["unit"])  # 場次 is 场次: annotators wrote either
    )


def demo_session(directory: Path) -> Session:
    engine = make_engine(f"sqlite:///{directory / 'eval.sqlite3'}")
    upgrade(engine)
    with transaction(session_factory(engine)) as session:
        load_demo(session=session)
    return session_factory(engine)()


def catalogue(session: Session) -> str:
    lines = [
        "# Codes to annotate with",
        "",
        "## Data elements (`element`)",
        "",
        "| code | name | unit | group |",
    ]
    lines.append("|---|---|---|---|")
    for e in session.scalars(select(DataElement).order_by(DataElement.group, DataElement.code)):
        lines.append(f"| {e.code} | {e.name} | {e.unit} | {e.group} |")
    lines += ["", "## Org units (`org_unit`)", "", "| code | name | also written |", "|---|---|---|"]
    places: dict[int, list[str]] = {}
    for place in session.scalars(select(Place)):
        places.setdefault(place.org_unit_id, []).append(place.name)
    for u in session.scalars(select(OrgUnit).order_by(OrgUnit.path)):
        lines.append(f"| {u.code} | {u.name} | {'、'.join(places.get(u.id, []))} |")
    lines += [
        "",
        "## Programmes (`programme`)",
        "",
        "| code | name | short name | kind |",
        "|---|---|---|---|",
    ]
    for p in session.scalars(select(Programme).order_by(Programme.sort_order)):
        lines.append(f"| {p.code} | {p.name} | {p.short_name} | {p.kind} |")
    return "\n".join(lines) + "\n"


def score(session: Session, split: Path, verbose: bool) -> str:
    index = json.loads((split / "index.json").read_text(encoding="utf-8"))
    codes = {
        "element": dict(session.execute(select(DataElement.id, DataElement.code)).tuples().all()),
        "org_unit": dict(session.execute(select(OrgUnit.id, OrgUnit.code)).tuples().all()),
        "programme": dict(session.execute(select(Programme.id, Programme.code)).tuples().all()),
    }
    unit_ids = {code: id_ for id_, code in codes["org_unit"].items()}
    top1: Counter[str] = Counter()
    top3: Counter[str] = Counter()
    abstained: Counter[str] = Counter()
    found = golds = predicted = exact = none_figures = none_offered = 0
    out: list[str] = []
    for name, header in sorted(index.items()):
        text = (split / f"{name}.txt").read_text(encoding="utf-8")
        records = [
            json.loads(line) for line in (split / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
        ]
        gold = gold_figures(text, [r for r in records if r], name)
        figures = extract_figures(text)
        golds, predicted = golds + len(gold), predicted + len(figures)
        actor = Actor(
            user_id=None,
            username="eval",
            display_name="评测",
            org_unit_id=unit_ids.get(header.get("uploader", "")),
            permissions=ALL_PERMISSIONS,
            scope_all=True,
        )
        suggester = Suggester(session, actor)
        published = date.fromisoformat(header["published_on"]) if header.get("published_on") else None
        report = report_period(header.get("title", ""), text, published)
        for g in gold:
            figure = next((f for f in figures if f.start < g.end and g.start < f.end), None)
            if figure is None:
                if verbose:
                    out.append(f"  {name}: not extracted “{g.record['text']}”")
                continue
            found += 1
            exact += strict(figure, g)
            hint = suggester.suggest(simplified(text), figure, report, simplified(header.get("title", "")))
            offered = {
                name: [codes[name][int(o.id)] if name in codes else str(o.id) for o in options]
                for name, options in hint.options.items()
            }
            offered["kind"] = [hint.kind]
            chosen = {  # what the form preselects: top-1 (the options may go on with less sure ones)
                "element": hint.element_id,
                "org_unit": hint.unit_id,
                "programme": hint.programme_id,
            }
            if g.record.get("element") is None:
                none_figures += 1
                none_offered += hint.element_id is not None
            for field in FIELDS:
                expected, options = g.record.get(field), offered[field]
                first = options[:1]
                if field in chosen:
                    picked = chosen[field]
                    first = [codes[field][picked]] if picked is not None else []
                abstained[field] += not first
                right = first == [expected] if expected is not None else not first
                top1[field] += right
                top3[field] += expected in options[:3] if expected is not None else not first
                if verbose and not right:
                    out.append(
                        f"  {name} “{g.record['text']}” {field}: expected {expected}, offered {options}"
                    )
    precision = exact / predicted if predicted else 0.0
    recall = exact / golds if golds else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    table = [
        f"split {split.name}: {len(index)} reports, {golds} annotated figures, {found} found by extraction",
        f"{'field':<10} {'top-1':>7} {'top-3':>7} {'abstained':>10}",
    ]
    for field in FIELDS:
        table.append(
            f"{field:<10} {top1[field] / found:>7.1%} {top3[field] / found:>7.1%} {abstained[field]:>10}"
            if found
            else f"{field:<10} {'—':>7} {'—':>7} {'—':>10}"
        )
    share = f"{none_offered / none_figures:.1%}" if none_figures else "—"
    table.append(
        f"figures with no fitting element: {none_figures}, offered one anyway: {none_offered} ({share})"
    )
    table.append(f"extractor (strict): precision {precision:.3f} recall {recall:.3f} F1 {f1:.3f}")
    return "\n".join(out + table) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("split", nargs="?", default="dev", help="dev, frozen or a directory")
    parser.add_argument("--catalogue", action="store_true", help="print the codes annotators choose from")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every miss")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        session = demo_session(Path(tmp))
        try:
            if args.catalogue:
                sys.stdout.write(catalogue(session))
            else:
                split = Path(args.split) if "/" in args.split else SETS / args.split
                sys.stdout.write(score(session, split, args.verbose))
        finally:
            session.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
