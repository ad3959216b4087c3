"""Figure extraction throughput on one core, with baselines over the same text in the same run.

    .venv/bin/python bench/extract.py [--mb 4] [--repeat 5] [--seeds ../shared/seeds]

Builds a text of about --mb megabytes (UTF-8) by repeating the seed reports, then times, best of --repeat:

  baseline re.finditer(r"\\d+")      every run of ASCII digits, nothing else
  baseline number-or-numeral regex  the extractor's own first pass alone (digits or Chinese numerals)
  extract_figures                   the whole extractor: figures with value, unit, qualifier, subject

and prints MB/s of UTF-8 text for each (target for extract_figures: ≥ 1 MB/s). Then the review suggestions
for the first --figures figures (element, unit, period, programme of each, as on an upload, against the demo's
catalogue in a temporary SQLite database), beside extracting those figures (target: 3,000 figures < 2 s).
The suite runs it at a tiny size (tests/bench).
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Callable
from pathlib import Path

from shanhai.documents.extraction import extract_figures
from shanhai.documents.extraction.scanner import map_text

ROOT = Path(__file__).resolve().parents[1]
NUMERALS = re.compile(r"百分之|\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千万亿]+")


def corpus(seeds: Path, megabytes: float) -> str:
    texts = [path.read_text(encoding="utf-8") for path in sorted(seeds.glob("*.txt"))]
    if not texts:
        raise SystemExit(f"no seed texts in {seeds}")
    one = "\n\n".join(texts)
    copies = max(1, round(megabytes * 1024 * 1024 / len(one.encode("utf-8"))))
    return "\n\n".join([one] * copies)


def best_of(repeat: int, work: Callable[[], int]) -> tuple[float, int]:
    times, result = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mb", type=float, default=4.0, help="size of the text in MB of UTF-8")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seeds", type=Path, default=ROOT.parent / "shared" / "seeds")
    parser.add_argument("--figures", type=int, default=3000, help="figures to suggest for (0: none)")
    args = parser.parse_args()

    text = corpus(args.seeds, args.mb)
    size_mb = len(text.encode("utf-8")) / 1024 / 1024
    print(f"text: {size_mb:.2f} MB UTF-8, {len(text):,} characters, repeated seeds from {args.seeds}")
    runs: list[tuple[str, Callable[[], int]]] = [
        ("baseline re.finditer(r'\\d+')", lambda: sum(1 for _ in re.finditer(r"\d+", text))),
        ("baseline numbers and numerals", lambda: sum(1 for _ in NUMERALS.finditer(map_text(text)))),
        ("extract_figures", lambda: len(extract_figures(text))),
    ]
    for name, work in runs:
        seconds, count = best_of(args.repeat, work)
        print(f"{name:<34} {size_mb / seconds:8.2f} MB/s  {seconds * 1000:8.1f} ms  {count:>8,} matches")
    if args.figures:
        suggestions(text, args.figures, args.repeat)


def suggestions(text: str, wanted: int, repeat: int) -> None:
    """Suggestions for the first `wanted` figures of the text, beside extracting the text they stand in."""
    import tempfile

    from shanhai.auth.permissions import ALL_PERMISSIONS
    from shanhai.auth.scope import Actor
    from shanhai.db import make_engine, session_factory, transaction
    from shanhai.documents.when import report_period
    from shanhai.fixtures.loader import load_demo
    from shanhai.flows.suggest import Suggester
    from shanhai.migrations import upgrade

    while len(extract_figures(text)) < wanted and len(text) < 50_000_000:
        text += "\n" + text
    figures = extract_figures(text)[:wanted]
    part = text[: figures[-1].end] if figures else ""
    actor = Actor(user_id=None, username="bench", display_name="bench", org_unit_id=None,
                  permissions=ALL_PERMISSIONS, scope_all=True)  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.sqlite3")
        upgrade(engine)
        with transaction(session_factory(engine)) as session:
            load_demo(session=session)
        with session_factory(engine)() as session:

            def suggest() -> int:
                suggester = Suggester(session, actor)
                report = report_period("", part, None)
                return len([suggester.suggest(part, f, report) for f in figures])

            baseline, _ = best_of(repeat, lambda: len(extract_figures(part)))
            seconds, count = best_of(repeat, suggest)
        engine.dispose()
    print(
        f"{'baseline extract_figures (same text)':<34} {baseline * 1000:8.1f} ms  {len(figures):>8,} figures"
    )
    print(f"{'suggestions':<34} {seconds * 1000:8.1f} ms  {count:>8,} figures")


if __name__ == "__main__":
    main()
