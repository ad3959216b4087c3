"""The one counting rule for a figure that sums up others: a summary counts only what the figures it covers
do not count already.

A register row may be a *summary*: the demo's “全年合计” rows dated 12-31 (a year's payments or activities up
to that day), a sale for a whole year beside the sales of its months, a sale for 2023–2025 beside the 2025
one. A value may be one too: a year's value beside its months', a city's beside its districts', a total
beside its 男/女 breakdown, a value without a programme beside per-programme ones. Both describe one fact
twice, and adding both counts it twice. So a summary S counts

    counted(S) = max(0, S − Σ counted(r) for every r that S covers)

and the total of any span is then max(S, what its parts add up to): the summary stands where the parts are
incomplete, the parts where they go beyond it (对账 shows the difference). Summaries nested in summaries
(a year inside 2023–2025) are counted from the inside out.

`counted` applies the rule to records in memory (derive's registers, a plan's payments);
`indicators.facts.settle` applies it to values in the analytics table with `residual`."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Part:
    key: Hashable
    start: date  # the span the figure describes: a day for a dated row, a period, Jan 1 … D for “截至D”
    end: date
    amount: Decimal
    summary: bool
    # where it stands in the organisation tree ("/1/4/"), for summaries that cover the units below theirs
    # (a city's 全年合计 of loans beside its districts' loans); "" when all parts stand in one unit
    path: str = ""


def tiebreak(key: Hashable) -> tuple[int, int | str]:
    """The last word between two summaries of one span and place: the older record (the smaller id) first;
    keys that are not ids by their text. The write path and the recount order them alike."""
    return (0, key) if isinstance(key, int) else (1, str(key))


def residual(total: Decimal, covered: Decimal) -> Decimal:
    """What a summary adds beyond what it covers (never below 0)."""
    return max(total - covered, Decimal(0))


def counted(parts: Iterable[Part]) -> dict[Hashable, Decimal]:
    """Each part's counted amount: a detail its amount, a summary its residual over the parts inside its
    span and at or below its unit (inner summaries first: by the length of their span, then the deeper
    unit)."""
    items = list(parts)
    out: dict[Hashable, Decimal] = {p.key: p.amount for p in items if not p.summary}
    done = [p for p in items if not p.summary]

    def inner_first(p: Part) -> tuple[object, ...]:
        return (p.end - p.start, -p.path.count("/"), p.start, tiebreak(p.key))

    for s in sorted((p for p in items if p.summary), key=inner_first):
        covered = sum(
            (out[r.key] for r in done if s.start <= r.start and r.end <= s.end and r.path.startswith(s.path)),
            Decimal(0),
        )
        out[s.key] = residual(s.amount, covered)
        done.append(s)
    return out


def dated_span(day: date, *, summary: bool, year: int | None = None) -> tuple[date, date]:
    """The span a dated row describes: a detail its day; a summary (“全年合计”, “截至6月底累计”) its
    year — the given one (a payment's plan year), else its day's — from the first day up to its day."""
    if not summary:
        return day, day
    return min(date(year or day.year, 1, 1), day), day


def held_within(day: date, year: int) -> date:
    """A day held within a year: one after it counts on its last day, one before on its first (a payment
    counts against its plan's year)."""
    return min(max(day, date(year, 1, 1)), date(year, 12, 31))
