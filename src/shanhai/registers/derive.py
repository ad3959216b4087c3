"""Records become indicator values by declaration. A `Derivation` says which records count (model and
filter), what is added up (a column, or the records themselves), into which data element, and how a record
is placed in a period (a date, a span of dates, a year or a period column) and an org unit and programme.

A record's change recounts only the cells it left and the cells it entered (`refresh`): one aggregate query
per cell, then the one write path `indicators.service.set_value` (or the removal of the value when nothing is
left), so the analytics row, the change feed and the audit follow as for any value. `recount` rebuilds every
derivation from scratch and writes only the cells that differ. A derived value's source names its derivation
(kind record, record_table ``derived:CODE``); it cannot be edited by hand, and `records_behind` lists the
records that make it up."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, func, inspect, select, true
from sqlalchemy.orm import Session

from shanhai.auth.scope import Actor
from shanhai.db import find_one, serialize
from shanhai.documents.models import Source, SourceKind
from shanhai.errors import Conflict, NotFound
from shanhai.indicators import service as indicators
from shanhai.indicators.models import Aggregation, DataElement, DataValue, ValueKind
from shanhai.lib import periods
from shanhai.lib.cnnum import Qualifier, combine_qualifiers, normalize
from shanhai.lib.summaries import Part, counted, dated_span, held_within, tiebreak
from shanhai.orgunits.models import OrgUnit
from shanhai.programmes.models import Programme
from shanhai.registers import catalogue

Day = date  # the type, where a Derivation's field named `date` hides it
MAX_SPAN_YEARS = 30  # a term longer than this is refused by the records' own checks


@dataclass(frozen=True)
class Derivation:
    code: str  # stable: the derived values' sources name it
    element: str  # the data element's code
    name: str  # the element's name, unit and aggregation when it has to be created
    unit: str
    aggregation: Aggregation
    model: type[Any]
    label: str  # how the records are named: 拨付记录, 在岗人员 …
    kind: ValueKind = ValueKind.ACTUAL
    measure: str | None = None  # the column added up; None: the records are counted
    date: str | None = None  # a date column: the month (monthly) or year (yearly) it falls in
    end: str | None = None  # with `date`: a term, counted in every year it overlaps
    year: str | None = None  # an integer year column
    period: str | None = None  # a period id column
    monthly: bool = False
    where: tuple[tuple[str, tuple[Any, ...]], ...] = ()  # column: allowed values
    qualifier: str | None = None  # a column with the records' qualifier (exact/over/under/approx)
    link: str = ""  # the register's page of one record: /records/{kind}/{id}
    needs: tuple[str, ...] = ()  # columns that must hold a positive number for a record to count
    says: str = ""  # what it counts, in words: shown on the record's form and on the records behind a value
    # summaries (lib.summaries): a flag column marking a row as the year's total up to its date (全年合计),
    # or, with a period column, every row for a period coarser than a month sums up the rows inside it
    summary: str | None = None
    coarse_summaries: bool = False
    summary_by: str | None = None  # a column: rows sum up rows of the same value only (kind, plan year)
    # with `summary`: a summary row covers the rows of its unit and of every unit below it, not its unit's
    # alone (a city's 全年合计 of 苏科贷 beside the loans its districts record firm by firm)
    summary_subtree: bool = False
    # with `date` and `end`: counted in the years at whose end the span still runs (年末有效数), not in every
    # year it touches (a certificate ending on 20 January is not valid at the end of that year)
    at_year_end: bool = False
    # with `date`: an integer year column the date is held within (a payment counts against its plan's year:
    # one made after it counts in the year's last month, one made before in its first)
    within: str | None = None

    def day_of(self, row: dict[str, Any]) -> Day | None:
        day: Day | None = row.get(self.date) if self.date else None
        if day is None or self.within is None or row.get(self.within) is None:
            return day
        return held_within(day, int(row[self.within]))

    @property
    def explained(self) -> str:
        """What it counts, with the rule for summary rows where it has them."""
        if self.summary is not None:
            return self.says + "；标为“全年合计”的记录是当年截至其日期的合计，只计入当年其他记录之外的部分"
        if self.coarse_summaries:
            return self.says + "；全年或多年的记录是其期间的合计，只计入期间内按月记录之外的部分"
        return self.says

    @property
    def summarises(self) -> bool:
        return self.summary is not None or self.coarse_summaries

    @property
    def grain(self) -> str:
        """The finest period its values are given for (the element's declared grain for this kind)."""
        return "monthly" if self.monthly or self.period else "yearly"

    def is_summary(self, row: dict[str, Any]) -> bool:
        if self.summary is not None and row.get(self.summary):
            return True
        if self.coarse_summaries and self.period and row.get(self.period):
            return periods.parse(row[self.period]).type is not periods.PeriodType.MONTHLY
        return False

    def span(self, row: dict[str, Any]) -> tuple[Day, Day]:
        """The days a row describes: its period, or its date; a summary: its year (its plan's year, with
        `within`) from the first day up to its date."""
        if self.period:
            period = periods.parse(row[self.period])
            return period.start, period.end
        day: Day = row[self.date] if self.date else Day(int(row[self.year or ""]), 12, 31)
        year = int(row[self.within]) if self.within and row.get(self.within) else None
        return dated_span(day, summary=self.is_summary(row), year=year)

    def column(self, name: str) -> Any:
        return getattr(self.model, name)

    def of_programme(self, programme_id: int | None) -> ColumnElement[bool]:
        """The rows of one programme (None: of none)."""
        column = self.model.programme_id
        same: ColumnElement[bool] = column.is_(None) if programme_id is None else column == programme_id
        return same

    def matches(self, row: dict[str, Any]) -> bool:
        if any(row.get(col) not in allowed for col, allowed in self.where):
            return False
        if any(not row.get(col) or row[col] <= 0 for col in self.needs):
            return False
        return self.measure is None or row.get(self.measure) is not None

    def part(self, record: Any) -> Decimal:
        """What one record adds to its cell: its measure, or 1 when the records are counted."""
        if self.measure is None:
            return Decimal(1)
        return Decimal(getattr(record, self.measure) or 0)

    def periods_of(self, row: dict[str, Any]) -> list[str]:
        if self.period:
            return [row[self.period]] if row.get(self.period) else []
        if self.year:
            return [str(row[self.year])] if row.get(self.year) else []
        day = self.day_of(row)
        if day is None:
            return []
        if self.end:
            last: date | None = row.get(self.end)
            if last is None or last < day:
                return []
            years = range(day.year, min(last.year, day.year + MAX_SPAN_YEARS) + 1)
            return [str(y) for y in years if not self.at_year_end or last >= Day(y, 12, 31)]
        return [f"{day.year}{day.month:02d}"] if self.monthly else [str(day.year)]

    def cells(self, row: dict[str, Any] | None) -> set[tuple[int, int | None, str]]:
        if row is None or not self.matches(row):
            return set()
        return {(row["org_unit_id"], row.get("programme_id"), p) for p in self.periods_of(row)}

    def in_cell(self, unit_id: int, programme_id: int | None, period_id: str) -> list[ColumnElement[bool]]:
        """The SQL conditions of the records that make up one cell."""
        period = periods.parse(period_id)
        model = self.model
        conditions: list[ColumnElement[bool]] = [
            model.org_unit_id == unit_id,
            self.of_programme(programme_id),
        ]
        conditions += [self.column(col).in_(allowed) for col, allowed in self.where]
        conditions += [self.column(col) > 0 for col in self.needs]
        if self.measure:
            conditions.append(self.column(self.measure).is_not(None))
        if self.period:
            conditions.append(self.column(self.period) == period_id)
        elif self.year:
            conditions.append(self.column(self.year) == period.year)
        elif self.end and self.date:
            last_day = period.end if self.at_year_end else period.start
            conditions += [self.column(self.date) <= period.end, self.column(self.end) >= last_day]
        elif self.date and self.within:
            day, year = self.column(self.date), self.column(self.within)
            inside = [day >= period.start, day <= period.end]
            if period.start.month == 1:
                inside = [day <= period.end]  # before the year: its first month
            if period.end.month == 12:
                inside = [day >= period.start] if period.start.month != 1 else []  # after it: its last month
            conditions += [year == period.start.year, *inside]
        elif self.date:
            conditions += [self.column(self.date) >= period.start, self.column(self.date) <= period.end]
        return conditions


def snapshot(obj: Any) -> dict[str, Any]:
    """A record's column values (what `cells` places it by), taken before and after a change."""
    return {attr.key: getattr(obj, attr.key) for attr in inspect(obj).mapper.column_attrs}


def _element(session: Session, d: Derivation) -> DataElement:
    known: dict[str, int] = session.info.setdefault("derived_elements", {})  # code → id, per session
    if d.element in known and (cached := session.get(DataElement, known[d.element])) is not None:
        return cached
    element = find_one(session, DataElement, code=d.element)
    if element is None:  # a new database: the derived elements are created on first use
        element, _ = indicators.upsert_element(
            session=session, code=d.element, name=d.name, unit=d.unit, aggregation=d.aggregation, group="台账"
        )
        session.flush()
    known[d.element] = element.id
    declare_grains(element)
    return element


def declare_grains(element: DataElement) -> None:
    """A derived element's grain is its derivations' (FUNDS actual by month of payment, its target by plan
    year): declared here, in code, for every door that asks the element."""
    for d in catalogue.derivations():
        if d.element != element.code:
            continue
        attribute = "target_grain" if d.kind is ValueKind.TARGET else "grain"
        if getattr(element, attribute) != d.grain:
            setattr(element, attribute, d.grain)


@dataclass(frozen=True)
class Cell:
    unit_id: int
    programme_id: int | None
    period_id: str


def _cell_sum(
    session: Session, d: Derivation, cell: Cell, *also: ColumnElement[bool]
) -> tuple[Decimal | None, set[str]]:
    """What the rows of a cell add up to in SQL (None: no row), and their qualifiers; `also`: further
    conditions (the plain rows only, beside subtree summaries)."""
    conditions = [*d.in_cell(cell.unit_id, cell.programme_id, cell.period_id), *also]
    measure = func.sum(d.column(d.measure)) if d.measure else func.count()
    if d.qualifier:  # the sum and the qualifiers in one query: a row per qualifier
        found = session.execute(
            select(d.column(d.qualifier), measure, func.count())
            .select_from(d.model)
            .where(*conditions)
            .group_by(d.column(d.qualifier))
        ).all()
        if not found:
            return None, set()
        return sum((Decimal(total or 0) for _, total, _ in found), Decimal(0)), {q for q, _, _ in found}
    total, n = session.execute(select(measure, func.count()).select_from(d.model).where(*conditions)).one()
    if not n:
        return None, set()
    return Decimal(total or 0), set()


def _tally(session: Session, d: Derivation, cell: Cell) -> tuple[Decimal | None, Qualifier]:
    total, qualifiers = _cell_sum(session, d, cell)
    return total, combine_qualifiers(qualifiers)


def _write(
    session: Session,
    actor: Actor,
    d: Derivation,
    cell: Cell,
    total: Decimal | None,
    qualifier: Qualifier,
    known: DataValue | None = None,
    lookup: bool = True,
) -> None:
    """Make the cell's value `total` (None: no value). `known`: the cell's current value when the caller
    has it already (a recount, `lookup` False)."""
    element = _element(session, d)
    unit = session.get_one(OrgUnit, cell.unit_id)
    programme = session.get(Programme, cell.programme_id) if cell.programme_id else None
    period = indicators.ensure_period(session=session, period_id=cell.period_id)
    current = (
        indicators.find_value(
            session=session, org_unit=unit, element=element, period=period, programme=programme, kind=d.kind
        )
        if lookup
        else known
    )
    if current is not None and not indicators.is_derived(current):
        if total is None:
            return
        raise Conflict(
            f"{unit.name}{period.name}的“{element.name}”已有人工录入或出自报告的数据（{normalize(current.value)}），"
            f"不能再由{d.label}自动汇总；请先删除该数据",
            field="org_unit_id",
        )
    if total is None:
        if current is not None:
            source = current.source
            indicators.remove_value_row(session=session, actor=actor, current=current)
            session.delete(source)
        return
    if current is not None and current.value == total and current.qualifier == qualifier.value:
        return  # unchanged: no write, no audit entry
    if current is not None:
        source = current.source
    else:
        source = Source(
            kind=SourceKind.RECORD.value,
            record_table=f"{indicators.DERIVED_PREFIX}{d.code}",
            note=f"由{d.label}汇总",
        )
        session.add(source)
    indicators.set_value(
        session=session,
        actor=actor,
        org_unit=unit,
        element=element,
        period=period,
        programme=programme,
        kind=d.kind,
        value=total,
        qualifier=qualifier,
        source=source,
        current=current,
    )


def refresh(
    *,
    session: Session,
    actor: Actor,
    model: type[Any],
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> int:
    """After a record of `model` changed from `before` to `after` (None: it did not exist), recount the cells
    it left and entered. Returns how many cells were recounted."""
    session.flush()
    n = 0
    # a group's summaries and what each covers, for every derivation placing rows alike
    covered: dict[tuple[Any, ...], Covered] = {}
    exists: dict[tuple[Any, ...], bool] = {}  # whether a summary stands in a group, asked once
    for d in catalogue.derivations():
        if d.model is not model:
            continue
        if not any(row is not None and d.matches(row) for row in (before, after)):
            continue  # a record d counts neither before nor after (a subsidy, for 苏科贷): no cell of d moves
        touched = d.cells(before) | d.cells(after)
        group_totals: dict[Cell, tuple[Decimal, set[str]]] = {}
        grouped = d.summarises and any(
            row is not None and _has_summaries(session, d, row, exists) for row in (before, after)
        )
        if grouped:  # a row's change may change what a summary beside it counts: the whole group
            groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
            for row in (before, after):
                if row is not None:  # a change within one group (an amount, a day) counts it once
                    unit = "*" if d.summary_subtree else row["org_unit_id"]
                    groups.setdefault((unit, row["programme_id"], _year_of(d, row)), []).append(row)
            for (unit, programme_id, year), rows in groups.items():
                # one writer of a group at a time: they queue instead of conflicting
                serialize(session, f"derive:{d.code}:{unit}:{programme_id}")
                if d.summary_subtree:  # a summary over the units below: its residual in SQL
                    group = (_alike(d), programme_id, year)
                    if group not in covered:  # what each summary covers, for every derivation at once
                        covered[group] = _covered_together(session, model, programme_id, year, _alike(d))
                    group_totals |= _subtree_totals(session, d, rows, covered[group])
                else:
                    group_totals |= _totals(d, _group_rows(session, d, unit, programme_id, year))
            touched |= {(c.unit_id, c.programme_id, c.period_id) for c in group_totals}
            current = _current(session, d, touched)
        for unit_id, programme_id, period_id in sorted(touched, key=lambda c: (c[0], c[1] or 0, c[2])):
            cell = Cell(unit_id, programme_id, period_id)
            if grouped:
                found = group_totals.get(cell)
                total = found[0] if found else None
                qualifier = combine_qualifiers(found[1]) if found else Qualifier.EXACT
                known = current.get(cell)
                if known is None and total is None:
                    continue
                if known is not None and known.value == total and known.qualifier == qualifier.value:
                    continue  # a cell of the group the change did not move: no write
                _write(session, actor, d, cell, total, qualifier, known, lookup=False)
                n += 1
                continue
            else:
                total, qualifier = _tally(session, d, cell)
            _write(session, actor, d, cell, total, qualifier)
            n += 1
    return n


def _columns(d: Derivation) -> list[str]:
    columns = ["id", "org_unit_id", "programme_id", *(c for c, _ in d.where), *d.needs]
    columns += [
        c
        for c in (d.measure, d.date, d.end, d.year, d.period, d.qualifier, d.summary, d.summary_by, d.within)
        if c
    ]
    return list(dict.fromkeys(columns))


def _year_of(d: Derivation, row: dict[str, Any]) -> int | None:
    """The year a dated or yearly row's summaries span (its plan year, with `within`); None for rows placed
    by a period column, whose summaries may span years."""
    if d.within and row.get(d.within) is not None:
        return int(row[d.within])
    if d.date and row.get(d.date) is not None and not d.end:
        return int(row[d.date].year)
    if d.year and row.get(d.year) is not None:
        return int(row[d.year])
    return None


def _in_year(d: Derivation, year: int | None) -> list[ColumnElement[bool]]:
    """The rows a summary of `year` may cover (every row when the year is not known)."""
    if year is None:
        return []
    if d.within:
        return [d.column(d.within) == year]
    if d.date and not d.end:
        return [d.column(d.date) >= Day(year, 1, 1), d.column(d.date) <= Day(year, 12, 31)]
    if d.year:
        return [d.column(d.year) == year]
    return []


def _current(
    session: Session, d: Derivation, cells: set[tuple[int, int | None, str]] | None = None
) -> dict[Cell, DataValue]:
    """The derivation's values now, by cell: in these cells (read 500 periods at a time), or all of them."""
    element = _element(session, d)
    mine = [
        DataValue.data_element_id == element.id,
        DataValue.kind == d.kind.value,
        Source.record_table == f"{indicators.DERIVED_PREFIX}{d.code}",
    ]
    periods = sorted({c[2] for c in cells}) if cells is not None else []
    chunks = [periods[i : i + 500] for i in range(0, len(periods), 500)] if cells is not None else [None]
    out: dict[Cell, DataValue] = {}
    for chunk in chunks:
        where = mine if chunk is None else [*mine, DataValue.period_id.in_(chunk)]
        for value in session.scalars(
            select(DataValue).join(Source, DataValue.source_id == Source.id).where(*where)
        ):
            cell = Cell(value.org_unit_id, value.programme_id, value.period_id)
            if cells is None or (cell.unit_id, cell.programme_id, cell.period_id) in cells:
                out[cell] = value
    return out


def _alike(d: Derivation) -> tuple[Derivation, ...]:
    """The subtree-summary derivations of d's model that place rows as d does (same date, year and summary
    columns): what a summary covers is summed for all of them in one pass."""
    shape = (d.model, d.date, d.end, d.within, d.year, d.period, d.summary)
    return tuple(
        e
        for e in catalogue.derivations()
        if e.summary_subtree and (e.model, e.date, e.end, e.within, e.year, e.period, e.summary) == shape
    )


def _plain(d: Derivation) -> list[ColumnElement[bool]]:
    """The conditions a plain row meets to count for d (its kind, a positive count, a measure)."""
    conditions = [d.column(c).in_(allowed) for c, allowed in d.where]
    conditions += [d.column(c) > 0 for c in d.needs]
    if d.measure:
        conditions.append(d.column(d.measure).is_not(None))
    return conditions


@dataclass(frozen=True)
class Covered:
    """A group's summaries (with their place in the tree) and what each covers, by (derivation code,
    summary id)."""

    summaries: list[dict[str, Any]]
    sums: dict[tuple[str, int], Decimal]


def _covered_together(
    session: Session, model: type[Any], programme_id: int | None, year: int | None, ds: tuple[Derivation, ...]
) -> Covered:
    """The summaries of a group (programme, year), read once, and what each covers — its plain rows at or
    below its unit inside its span — for every derivation in `ds` that counts it: one SQL pass per summary,
    a FILTER for each derivation, instead of one pass per derivation."""
    first = ds[0]
    columns = list(dict.fromkeys(c for d in ds for c in _columns(d)))
    where = [first.of_programme(programme_id), *_in_year(first, year)]
    found = session.execute(
        select(*(first.column(c) for c in columns)).where(*where, first.column(first.summary or "") == true())
    )
    summaries = _placed(session, first, [dict(zip(columns, v, strict=True)) for v in found])
    out: dict[tuple[str, int], Decimal] = {}
    for s in summaries:
        counting = [d for d in ds if d.matches(s)]
        if not counting:
            continue
        start, end = first.span(s)
        under = select(OrgUnit.id).where(OrgUnit.path.startswith(s["_path"], autoescape=True))
        rows = [*where, first.column(first.summary or "") != true(), model.org_unit_id.in_(under)]
        # a column every counting derivation restricts (their kinds): the union, so an index serves it
        shared = set.intersection(*({c for c, _ in d.where} for d in counting))
        for column in sorted(shared):
            allowed = {v for d in counting for c, values in d.where if c == column for v in values}
            rows.append(first.column(column).in_(sorted(allowed, key=str)))
        if first.date:
            rows += [first.column(first.date) >= start, first.column(first.date) <= end]
        sums = [
            (func.sum(d.column(d.measure)) if d.measure else func.count()).filter(and_(true(), *_plain(d)))
            for d in counting
        ]
        totals = session.execute(select(*sums).select_from(model).where(*rows)).one()
        for d, total in zip(counting, totals, strict=True):
            out[(d.code, s["id"])] = Decimal(total or 0)
    return Covered(summaries, out)


def _subtree_totals(
    session: Session, d: Derivation, rows: list[dict[str, Any]], group: Covered
) -> dict[Cell, tuple[Decimal, set[str]]]:
    """The cells a change of `rows` (a row before and after, or one of them) may move in their group — the
    programme and year — with subtree summaries, added up in SQL rather than by loading the group: each
    summary of the group counts its residual over what it covers (`group`: the rows at or below its unit
    inside its span their own sum, inner summaries their residual — lib.summaries' rule, inner first); each
    cell is then the sum of its plain rows plus the residuals of the summaries that stand in it. The cells
    are the rows' own and the summaries'."""
    summaries = [r for r in group.summaries if d.matches(r)]

    def span(r: dict[str, Any]) -> tuple[Day, Day]:
        return d.span(r)

    def inner_first(r: dict[str, Any]) -> tuple[Any, ...]:
        start, end = span(r)
        return (end - start, -r["_path"].count("/"), start, tiebreak(r["id"]))

    residuals: dict[int, Decimal] = {}
    for s in sorted(summaries, key=inner_first):
        start, end = span(s)
        covers = group.sums[(d.code, s["id"])]
        for t in summaries:
            t_start, t_end = span(t)
            if (
                t["id"] in residuals
                and t["_path"].startswith(s["_path"])
                and start <= t_start
                and t_end <= end
            ):
                covers += residuals[t["id"]]
        total = Decimal(s[d.measure]) if d.measure else Decimal(1)
        residuals[s["id"]] = max(total - covers, Decimal(0))
    cells = {Cell(*c) for row in rows for c in d.cells(row)}
    standing: dict[Cell, list[dict[str, Any]]] = defaultdict(list)
    for s in summaries:
        for unit_id, prog, period_id in d.cells(s):
            standing[Cell(unit_id, prog, period_id)].append(s)
    cells |= set(standing)
    out: dict[Cell, tuple[Decimal, set[str]]] = {}
    for cell in cells:
        value, qualifiers = _cell_sum(session, d, cell, d.column(d.summary or "") != true())
        for s in standing.get(cell, []):
            value = (value or Decimal(0)) + residuals[s["id"]]
            if d.qualifier and residuals[s["id"]] > 0:
                qualifiers.add(s[d.qualifier])
        if value is not None:
            out[cell] = (value, qualifiers)
    return out


def _has_summaries(
    session: Session, d: Derivation, row: dict[str, Any], known: dict[tuple[Any, ...], bool] | None = None
) -> bool:
    """Whether a changed row's group holds a summary that may cover it: a flagged row of its unit (of its
    programme anywhere, with subtree summaries) — else each cell is its rows' plain sum, counted in SQL. Rows
    of a coarser period (a year's sale beside its months) are summaries by their period: always grouped."""
    if d.summary is None:
        return True
    # any summary of the group, of whatever `summary_by` value: a cell may hold a 技能培训 全年合计 beside the
    # 招聘会 that changed, and counts only its residual
    where = [] if d.summary_subtree else [d.model.org_unit_id == row["org_unit_id"]]
    # `known`: the answers of this change so far (derivations placing rows alike ask the same question)
    key = (
        (d.model, d.date, d.year, d.within, d.summary),
        None if d.summary_subtree else row["org_unit_id"],
        row.get("programme_id"),
        _year_of(d, row),
    )
    if known is not None and key in known:
        return known[key]
    found = _summary_exists(session, d, row.get("programme_id"), _year_of(d, row), *where)
    if known is not None:
        known[key] = found
    return found


def _summary_exists(
    session: Session, d: Derivation, programme_id: int | None, year: int | None, *where: ColumnElement[bool]
) -> bool:
    """Whether a row flagged as a summary stands in the programme (and the year, and `where`)."""
    summary = d.column(d.summary or "") == true()
    found = select(d.column("id")).where(d.of_programme(programme_id), summary, *_in_year(d, year), *where)
    return session.scalar(found.limit(1)) is not None


def _group_rows(
    session: Session, d: Derivation, unit_id: int, programme_id: int | None, year: int | None = None
) -> list[dict[str, Any]]:
    """The rows of one unit × programme that the derivation counts (a summary's residual depends on them) —
    of one year when `year` is given; with subtree summaries, when the programme has any, the programme's
    rows in every unit."""
    columns = _columns(d)
    stmt = select(*(d.column(c) for c in columns)).where(d.of_programme(programme_id), *_in_year(d, year))
    # the programme's rows in every unit only once it has a summary: otherwise a unit's rows are the group
    wide = d.summary_subtree and d.summary is not None and _summary_exists(session, d, programme_id, year)
    if not wide:
        stmt = stmt.where(d.model.org_unit_id == unit_id)
    rows = [dict(zip(columns, values, strict=True)) for values in session.execute(stmt)]
    return _placed(session, d, [row for row in rows if d.matches(row)])


def _placed(session: Session, d: Derivation, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """With subtree summaries, each row knows its unit's place in the tree (`_path`)."""
    if not d.summary_subtree or not rows:
        return rows
    ids = {row["org_unit_id"] for row in rows}
    found = session.execute(select(OrgUnit.id, OrgUnit.path).where(OrgUnit.id.in_(ids)))
    paths = {unit_id: path for unit_id, path in found}
    for row in rows:
        row["_path"] = paths.get(row["org_unit_id"], "")
    return rows


def counted_parts(d: Derivation, rows: list[dict[str, Any]]) -> dict[int, Decimal]:
    """What each row adds to its cell: its measure (or 1), a summary row only its residual over the rows of
    its unit and programme inside its span (lib.summaries) — with subtree summaries, over the rows of its
    unit and the units below it."""

    def part(row: dict[str, Any]) -> Decimal:
        return Decimal(row[d.measure]) if d.measure else Decimal(1)

    if not d.summarises:
        return {row["id"]: part(row) for row in rows}
    groups: dict[tuple[Any, ...], list[Part]] = defaultdict(list)
    for row in rows:
        start, end = d.span(row)
        unit = None if d.summary_subtree else row["org_unit_id"]
        groups[(unit, row["programme_id"], row.get(d.summary_by or ""))].append(
            Part(row["id"], start, end, part(row), d.is_summary(row), row.get("_path", ""))
        )
    out: dict[int, Decimal] = {}
    for parts in groups.values():
        out |= {int(str(k)): v for k, v in counted(parts).items()}
    return out


def _totals(d: Derivation, rows: list[dict[str, Any]]) -> dict[Cell, tuple[Decimal, set[str]]]:
    """Every cell these rows make up: the sum of their counted parts, the qualifiers of those that count."""
    parts = counted_parts(d, rows)
    totals: dict[Cell, tuple[Decimal, set[str]]] = {}
    for row in rows:
        add = parts[row["id"]]
        for period_id in d.periods_of(row):
            cell = Cell(row["org_unit_id"], row["programme_id"], period_id)
            total, qualifiers = totals.get(cell, (Decimal(0), set()))
            if d.qualifier and (add > 0 or not d.is_summary(row)):
                qualifiers.add(row[d.qualifier])
            totals[cell] = (total + add, qualifiers)
    return totals


def _all_cells(session: Session, d: Derivation) -> dict[Cell, tuple[Decimal, set[str]]]:
    """Every cell of a derivation, added up in one pass over its records' columns."""
    columns = _columns(d)
    stmt = select(*(d.column(c) for c in columns)).execution_options(yield_per=5000)
    rows = [dict(zip(columns, values, strict=True)) for values in session.execute(stmt)]
    return _totals(d, _placed(session, d, [row for row in rows if d.matches(row)]))


def recount(*, session: Session, actor: Actor, codes: Sequence[str] = ()) -> dict[str, int]:
    """Rebuild the derived values from all records: writes the cells that differ and removes derived values no
    record supports any more. Returns, per derivation, how many cells it holds."""
    out: dict[str, int] = {}
    for d in catalogue.derivations():
        if codes and d.code not in codes:
            continue
        existing = _current(session, d)
        wanted = _all_cells(session, d)
        for cell in sorted(
            wanted.keys() | existing.keys(), key=lambda c: (c.unit_id, c.programme_id or 0, c.period_id)
        ):
            if cell in wanted:
                total, qualifiers = wanted[cell]
                qualifier = combine_qualifiers(qualifiers)
                _write(session, actor, d, cell, total, qualifier, existing.get(cell), lookup=False)
            else:
                _write(session, actor, d, cell, None, Qualifier.EXACT, existing[cell], lookup=False)
        out[d.code] = len(wanted)
    return out


def derivation_of(value: DataValue) -> Derivation | None:
    table = value.source.record_table or ""
    if value.source.kind != SourceKind.RECORD.value or not table.startswith(indicators.DERIVED_PREFIX):
        return None
    return catalogue.derivation(table.removeprefix(indicators.DERIVED_PREFIX))


def records_behind(
    *, session: Session, actor: Actor, value_id: int
) -> tuple[Derivation, list[Any], dict[int, Decimal]]:
    """The records a derived value adds up (the value itself is read within the actor's scope), and each
    one's part of it (a summary row: what it adds beyond the rows it covers)."""
    value = indicators.get_value(session=session, actor=actor, value_id=value_id)
    d = derivation_of(value)
    if d is None:
        raise NotFound("该数据不是由台账记录汇总的", field="value_id")
    actor.require(f"{catalogue.type_of(d.model).module}:view")
    stmt = select(d.model).where(*d.in_cell(value.org_unit_id, value.programme_id, value.period_id))
    rows = list(session.scalars(stmt.order_by(d.model.id).limit(1000)))
    if d.summarises:
        year = None if d.period else periods.parse(value.period_id).start.year
        parts = counted_parts(d, _group_rows(session, d, value.org_unit_id, value.programme_id, year))
    else:
        parts = {r.id: d.part(r) for r in rows}
    return d, rows, parts


def rules_for(model: type[Any]) -> list[tuple[str, str]]:
    """What a record of `model` counts towards, as (the element's name, the rule in words): the register's
    form shows it before a record is saved."""
    return [(d.name, d.explained) for d in catalogue.derivations() if d.model is model]


def derived_elements() -> Iterable[str]:
    return sorted({d.element for d in catalogue.derivations()})


def cells_by_derivation(session: Session) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    rows = session.execute(
        select(Source.record_table, func.count())
        .join(DataValue, DataValue.source_id == Source.id)
        .where(Source.record_table.startswith(indicators.DERIVED_PREFIX))
        .group_by(Source.record_table)
    )
    for table, n in rows:
        counts[(table or "").removeprefix(indicators.DERIVED_PREFIX)] = n
    return dict(counts)


def values_of(session: Session, model: type[Any], records: Iterable[Any]) -> list[DataValue]:
    """The derived values that these records are part of (a project's page shows them)."""
    found: dict[int, DataValue] = {}
    for obj in records:
        row = snapshot(obj)
        for d in catalogue.derivations():
            if d.model is not model:
                continue
            element = find_one(session, DataElement, code=d.element)
            if element is None:
                continue
            for unit_id, programme_id, period_id in d.cells(row):
                value = session.scalar(
                    select(DataValue).where(
                        DataValue.org_unit_id == unit_id,
                        DataValue.data_element_id == element.id,
                        DataValue.period_id == period_id,
                        func.coalesce(DataValue.programme_id, 0) == (programme_id or 0),
                        DataValue.kind == d.kind.value,
                    )
                )
                if value is not None:
                    found[value.id] = value
    return list(found.values())
