"""One import pipeline for every register: a workbook's rows become records through the register kit's own
create and update (`registers.kit`) — the same field declarations, parsing, rules, scope, audit and recount
as the form — so no register has an importer of its own.

A row finds its record by the 编号 (id) column when it has one, else by the register's natural key
(`RecordType.keys`); it is then updated (unchanged when nothing differs), else created. Cells are read as
officials write them before the form's rules see them: a unit or programme by its name or code, a choice by
its label, a linked record by its name, code or title, dates as text or Excel serials, 1.2万 and a column's
unit (金额（万元）).

Everything happens in one transaction: every row is tried in a savepoint of its own, so that every problem is
found (第N行 / 列 / message), and the whole import is kept only when no row has one and it is not a preview;
otherwise nothing of it stays."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from shanhai.audit.service import Action, record
from shanhai.auth.scope import Actor
from shanhai.db import rehearsal, savepoint, serialize
from shanhai.errors import Forbidden, Invalid, NotFound, ShanhaiError
from shanhai.imports import sheets
from shanhai.lib import cnnum
from shanhai.orgunits.models import OrgUnit
from shanhai.programmes.models import Programme
from shanhai.registers import catalogue
from shanhai.registers.fields import QUALIFIER_CHOICES, Field, mask, read_field, visible_record
from shanhai.registers.kit import RecordType, create, update

ID_HEADERS = ("编号", "序号", "id", "ID", "记录编号")  # 序号: the id column of a list export
MAX_PROBLEMS = 1_000  # listed on the page; the count says how many more
UNIT_IN_HEADER = re.compile(r"^(?P<name>.+?)[(（](?P<unit>[^()（）]*)[)）]$")
MAGNITUDE = {"万元": Decimal(10_000), "亿元": Decimal(100_000_000), "元": Decimal(1)}


@dataclass
class Problem:
    row: int  # 第N行 as the sheet shows it (1: the header)
    column: str  # the column's header as typed ("" for the whole row)
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class Outcome:
    kind: str
    file_name: str
    sha256: str
    committed: bool = False
    rows: int = 0
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    ignored_columns: list[str] = field(default_factory=list)

    def problem(self, row: int, column: str, message: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(row, column, message))

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "file_name": self.file_name,
            "sha256": self.sha256,
            "committed": self.committed,
            "rows": self.rows,
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "problem_count": self.problem_count,
            "problems": [p.as_dict() for p in self.problems],
            "ignored_columns": self.ignored_columns,
        }


@dataclass(frozen=True)
class Column:
    index: int
    header: str
    field: Field | None  # None: the 编号 column
    factor: Decimal = Decimal(1)  # a money column in 万元: its plain numbers × 10,000


@dataclass(frozen=True)
class Target:
    """What a file imports into: a register (through the register kit) or data values (through the one
    value write path) — its declared fields, natural keys, and how a row finds, creates and updates what
    it describes."""

    name: str
    noun: str
    menu: str  # the audit log's module
    link: str  # where the imported records are listed
    fields: tuple[Field, ...]
    keys: tuple[tuple[str, ...], ...]
    allowed: Callable[[Actor], bool]
    # the record a row updates: by its 编号 (the second argument), else by its natural key; None: a new one
    find: Callable[[Session, Actor, dict[str, Any], Any], Any | None]
    create: Callable[[Session, Actor, dict[str, Any]], Any]  # the new record (with its id)
    update: Callable[[Session, Actor, Any, dict[str, Any]], bool]  # whether anything changed

    def field(self, key: str) -> Field | None:
        return next((f for f in self.fields if f.key == key), None)


def register_target(rtype: RecordType) -> Target:
    def update_record(session: Session, actor: Actor, obj: Any, raw: dict[str, Any]) -> bool:
        _keep_listed_rows(rtype, obj, raw)
        version = obj.version
        sent = {k: v for k, v in raw.items() if v is not None}  # an empty cell leaves the value as it is
        _keep_masked(rtype, obj, sent)
        obj = update(
            session=session, actor=actor, rtype=rtype, record_id=obj.id, raw={**sent, "version": version}
        )
        return bool(obj.version != version)

    return Target(
        name=rtype.name,
        noun=rtype.noun,
        menu=rtype.menu,
        link=f"/records/{rtype.name}",
        fields=rtype.fields,
        keys=rtype.keys,
        allowed=lambda actor: actor.can(f"{rtype.module}:create") or actor.can(f"{rtype.module}:edit"),
        find=lambda session, actor, raw, record_id: _existing(session, actor, rtype, raw, record_id),
        create=lambda session, actor, raw: create(session=session, actor=actor, rtype=rtype, raw=raw),
        update=update_record,
    )


def targets() -> dict[str, Target]:
    """Every register, and data values."""
    from shanhai.imports import values  # above this module: it declares its target on it

    return {name: register_target(t) for name, t in catalogue.types().items()} | {"values": values.target()}


def get_target(kind: str) -> Target:
    found = targets().get(kind)
    if found is None:
        raise NotFound(f"没有可导入的“{kind[:40]}”", field="kind")
    return found


def importable(actor: Actor) -> list[Target]:
    """What the actor may import into: the registers where they may create or edit, and data values."""
    return [t for t in targets().values() if t.allowed(actor)]


def _match_columns(rtype: Target, headers: list[str], outcome: Outcome) -> list[Column]:
    by_name: dict[str, Field] = {}
    for declared in rtype.fields:
        label = sheets.normalize_header(declared.label)
        by_name[label] = declared
        by_name[sheets.normalize_header(declared.key)] = declared
        if m := UNIT_IN_HEADER.match(label):  # 金额(元): 金额 alone, or 金额(万元)
            by_name.setdefault(m.group("name"), declared)
    columns: list[Column] = []
    seen: dict[str, str] = {}
    for i, header in enumerate(headers):
        if not header:
            continue
        name = sheets.normalize_header(header)
        factor = Decimal(1)
        f: Field | None = by_name.get(name)
        if f is None and (m := UNIT_IN_HEADER.match(name)):  # 金额(万元), 日期(年-月-日)
            f = by_name.get(m.group("name"))
            if f is not None and f.kind == "money":
                if m.group("unit") not in MAGNITUDE:
                    outcome.problem(
                        1, header, f"{f.label}的单位应为元、万元或亿元，而不是“{m.group('unit')}”"
                    )
                    continue
                factor = MAGNITUDE[m.group("unit")]
        if f is None and name in {sheets.normalize_header(h) for h in ID_HEADERS}:
            key = "id"
        elif f is None:
            outcome.ignored_columns.append(header)
            continue
        else:
            key = f.key
        if key in seen:
            outcome.problem(1, header, f"与“{seen[key]}”列重复，同一项只能有一列")
            continue
        seen[key] = header
        columns.append(Column(i, header, f, factor))
    present = {c.field.key for c in columns if c.field is not None}
    has_id = any(c.field is None for c in columns)
    for f in rtype.fields:
        if f.required and f.key not in present and f.editable and not has_id:
            outcome.problem(1, f.label, f"缺少必填的列“{f.label}”（表头应与模板一致）")
    return columns


class Resolver:
    """Names in cells → the ids the form takes, looked up once per import."""

    def __init__(self, session: Session, actor: Actor) -> None:
        self.session = session
        self.actor = actor
        self._units: dict[str, list[int]] | None = None
        self._programmes: dict[str, list[int]] | None = None
        self._refs: dict[tuple[type[Any], str], int | str] = {}

    def _index(self, model: type[Any]) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        names = [c for c in ("code", "name", "short_name", "short") if hasattr(model, c)]
        for row in self.session.execute(select(model.id, *(getattr(model, c) for c in names))):
            for name in set(row[1:]):
                if name:
                    out.setdefault(_key(name), []).append(row.id)
        return out

    def unit(self, text: str, f: Field) -> int | str:
        if self._units is None:
            self._units = self._index(OrgUnit)
        return self._one(self._units, text, f, "单位")

    def programme(self, text: str, f: Field) -> int | str:
        if self._programmes is None:
            self._programmes = self._index(Programme)
        return self._one(self._programmes, text, f, "工作类别")

    def _one(self, index: dict[str, list[int]], text: str, f: Field, what: str) -> int | str:
        """By its code or name; digits that are neither: its 编号 (id)."""
        found = sorted(set(index.get(_key(text), [])))
        if not found and text.isdigit():
            return text
        if not found:
            raise Invalid(f"{f.label}“{text[:40]}”不存在，请填写{what}的名称或编码", field=f.key)
        if len(found) > 1:
            raise Invalid(f"{f.label}“{text[:40]}”有多个同名{what}，请填写编码", field=f.key)
        return found[0]

    def ref(self, text: str, f: Field) -> int | str:
        """By its credit code, code, name or title; digits that are none of these: its 编号 (id)."""
        assert f.ref is not None
        cached = self._refs.get((f.ref, text))
        if cached is None:
            cached = self._find(f.ref, text, f)
            self._refs[(f.ref, text)] = cached
        return cached

    def _find(self, model: type[Any], text: str, f: Field) -> int | str:
        """A linked record by what officials call it: its credit code, code, name or title."""
        columns = [getattr(model, c) for c in ("credit_code", "code", "name", "title") if hasattr(model, c)]
        found: list[Any] = []
        if columns:
            same = [func.upper(c) == text.upper() if c.key == "credit_code" else c == text for c in columns]
            found = list(self.session.scalars(select(model).where(or_(*same)).limit(5)))
        if not found:
            rtype = catalogue.type_of(model)
            found = [
                obj
                for obj in self.session.scalars(select(model).order_by(model.id).limit(20_000))
                if _key(rtype.title(obj)) == _key(text)
            ][:5]
        if not found and text.isdigit():
            return text  # the record's 编号: the form's own check finds it or says it is not there
        found = [obj for obj in found if visible_record(self.actor, obj)]
        if not found:
            raise Invalid(f"{f.label}“{text[:40]}”不存在或不在您的数据范围内", field=f.key)
        if len(found) > 1:
            raise Invalid(f"{f.label}“{text[:40]}”对应多条记录，请填写编号", field=f.key)
        return int(found[0].id)


def _key(text: Any) -> str:
    return "".join(unicodedata.normalize("NFKC", str(text)).split())


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()  # text as typed: a name keeps its full-width brackets


def _choice(f: Field, text: str) -> str:
    """A choice by its value or its label; a qualifier also by any of its words (超, 余, 约 …) as the lists
    show it."""
    allowed = QUALIFIER_CHOICES if f.kind == "qualifier" else f.choices
    for value, label in allowed:
        words = {value, label, *label.split("/")}
        if f.kind == "qualifier":
            words |= {w.removesuffix("数") for w in words}
        if text in words:
            return value
    return text


def cell_value(resolver: Resolver, column: Column, value: Any) -> Any:
    """A cell as the form's field reads it (None: empty)."""
    f = column.field
    assert f is not None
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if f.kind == "date":
        return sheets.as_date(value)
    if f.kind == "money":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(Decimal(repr(value)) * column.factor)
        text = str(value).strip()
        try:
            return str(cnnum.parse_plain(unicodedata.normalize("NFKC", text)) * column.factor)
        except cnnum.NumberFormatError:
            return text  # 1.2万, 3.5亿元: as the form reads them
    if f.kind == "int":
        if isinstance(value, float) and abs(value - round(value)) < 1e-9:  # a formula's 1.0000000000000002
            return str(round(value))
        text = unicodedata.normalize("NFKC", _text(value))
        try:
            number = cnnum.parse_entered(text)  # 1,200 or 1.2万
        except (cnnum.NumberFormatError, ArithmeticError):
            return text  # the form's message names it
        return str(int(number)) if number == number.to_integral_value() else text
    if f.kind == "bool":
        return _text(value)
    text = _text(value)
    if f.kind in ("choice", "qualifier"):
        return _choice(f, text)
    if f.kind == "period":
        return text
    if f.kind == "unit":
        return resolver.unit(text, f)
    if f.kind == "programme":
        return resolver.programme(text, f)
    if f.kind == "ref":
        return resolver.ref(text, f)
    return text


def _existing(
    session: Session, actor: Actor, rtype: RecordType, raw: dict[str, Any], record_id: Any
) -> Any | None:
    """The record a row updates: by its 编号, else by the register's first natural key the row fills."""
    model = rtype.model
    if record_id not in (None, ""):
        text = _text(record_id)
        if not text.isdigit():
            raise Invalid(f"编号应为整数，而不是“{text[:20]}”", field="id")
        obj = session.get(model, int(text))
        if obj is None or not visible_record(actor, obj):
            raise Invalid(f"编号 {text} 的{rtype.noun}不存在或不在您的数据范围内", field="id")
        return obj
    found_key = natural_key(session, actor, rtype, raw)
    if found_key is None:
        return None
    where = []
    for f, value in found_key:
        column = getattr(model, f.key)
        if value is None:
            where.append(column.is_(None))
        elif f.key == "credit_code":
            where.append(func.upper(column) == str(value).upper())
        else:
            where.append(column == value)
    found = session.scalars(select(model).where(*where).order_by(model.id).limit(1)).first()
    if found is not None and not visible_record(actor, found):
        raise Invalid(f"该{rtype.noun}已存在，但不在您的数据范围内", field=found_key[0][0].key)
    return found


def natural_key(
    session: Session, actor: Actor, rtype: RecordType | Target, raw: dict[str, Any]
) -> list[tuple[Field, Any]] | None:
    """The first of the register's natural keys the row fills — each required part filled, at least one
    (an empty optional part matches an empty value) — with its values read as the form reads them."""
    for key in rtype.keys:
        fields = [f for f in (rtype.field(k) for k in key) if f is not None]
        filled = {f.key: raw.get(f.key) not in (None, "") and not _masked(f, raw.get(f.key)) for f in fields}
        if not all(filled[f.key] or not f.required for f in fields):
            continue
        if not any(filled[f.key] and (f.required or len(fields) == 1) for f in fields):
            continue
        out: list[tuple[Field, Any]] = []
        for f in fields:
            if filled[f.key]:
                out.append((f, read_field(session, actor, f, raw[f.key])))
            else:
                out.append((f, "" if f.kind in ("text", "textarea") else None))
        return out
    return None


def run(
    *,
    session: Session,
    actor: Actor,
    kind: str,
    file_name: str,
    data: bytes,
    commit: bool,
    progress: Callable[[int], None] | None = None,
) -> Outcome:
    """Read the file and put its rows through the target's own writes (a register's kit, the value write
    path). commit False (a preview) or any problem: nothing stays. The caller commits the transaction."""
    rtype = get_target(kind)
    if not rtype.allowed(actor):
        raise Forbidden(f"您没有导入{rtype.noun}的权限", field="kind")
    outcome = Outcome(kind, file_name[:200], hashlib.sha256(data).hexdigest())
    sheet = sheets.read(data, file_name)
    columns = _match_columns(rtype, sheet.headers, outcome)
    if outcome.problem_count:
        return outcome
    # one import of a register at a time: the same file sent twice updates, never duplicates
    serialize(session, f"import:{kind}")
    resolver = Resolver(session, actor)
    keys_seen: dict[tuple[Any, ...], int] = {}
    with rehearsal(session) as keep:
        for number, cells in sheet.rows:
            outcome.rows += 1
            if progress is not None:
                progress(outcome.rows)
            _row(session, actor, rtype, resolver, columns, number, cells, outcome, keys_seen)
        keep(commit and not outcome.problem_count)
    if commit and not outcome.problem_count:
        outcome.committed = True
        record(
            session=session,
            actor=actor,
            module=rtype.menu,
            action=Action.IMPORT,
            object_type=rtype.name,
            object_id=outcome.sha256[:16],
            summary=(
                f"导入{rtype.noun}：{outcome.file_name}，共 {outcome.rows} 行，新增 {len(outcome.created)}，"
                f"修改 {len(outcome.updated)}，未变 {len(outcome.unchanged)}"
            )[:500],
            after={
                "file_name": outcome.file_name,
                "sha256": outcome.sha256,
                "rows": str(outcome.rows),
                "created": str(len(outcome.created)),
                "updated": str(len(outcome.updated)),
                "unchanged": str(len(outcome.unchanged)),
            },
        )
    return outcome


def _row(
    session: Session,
    actor: Actor,
    rtype: Target,
    resolver: Resolver,
    columns: list[Column],
    number: int,
    cells: list[Any],
    outcome: Outcome,
    keys_seen: dict[tuple[Any, ...], int],
) -> None:
    raw: dict[str, Any] = {}
    record_id: Any = None
    header_of = {c.field.key if c.field else "id": c.header for c in columns}
    failed = False
    for column in columns:
        value = cells[column.index] if column.index < len(cells) else None
        if column.field is None:
            record_id = value
            continue
        try:
            raw[column.field.key] = cell_value(resolver, column, value)
        except ShanhaiError as exc:
            outcome.problem(number, column.header, exc.message)
            failed = True
    if failed:
        return
    try:
        with savepoint(session):
            obj = rtype.find(session, actor, raw, record_id)
            key = (obj.id,) if obj is not None else _natural(session, actor, rtype, raw)
            if key is not None and key in keys_seen:
                raise Invalid(
                    f"与第 {keys_seen[key]} 行是同一条{rtype.noun}，一个文件中只能出现一次", field="id"
                )
            if obj is None:
                obj = rtype.create(session, actor, raw)
                outcome.created.append(obj.id)
            else:
                changed = rtype.update(session, actor, obj, raw)
                (outcome.updated if changed else outcome.unchanged).append(obj.id)
            if key is None:
                key = (obj.id,)
            keys_seen[key] = number
            keys_seen[(obj.id,)] = number
    except ShanhaiError as exc:
        where = header_of.get(exc.field or "", "") or _label(rtype, exc.field)
        outcome.problem(number, where, exc.message)


def _keep_listed_rows(rtype: RecordType, obj: Any, raw: dict[str, Any]) -> None:
    """Child rows as a list export shows them (the first item of each: 张三、李四) are not the rows
    themselves: such a cell that still reads as the record's rows leaves them as they are (a round trip
    keeps the phones)."""
    for f in rtype.fields:
        text = raw.get(f.key)
        if f.kind != "rows" or not isinstance(text, str) or "｜" in text or "|" in text:
            continue
        shown = "、".join(str(r.get(f.rows[0].key) or "") for r in getattr(obj, f.key) or [])
        if text == shown:
            del raw[f.key]


def _masked(f: Field, value: Any) -> bool:
    """A sensitive value as shown masked (a key part that cannot find its record)."""
    return f.sensitive and isinstance(value, str) and "*" in value


def _keep_masked(rtype: RecordType, obj: Any, raw: dict[str, Any]) -> None:
    """A sensitive value as exports and pages show it (3203**********1234) is not a new value: the stored
    one stays (whoever imports, with or without the sensitive permission)."""
    for f in rtype.fields:
        shown = raw.get(f.key)
        if (
            f.sensitive
            and isinstance(shown, str)
            and "*" in shown
            and shown == mask(getattr(obj, f.key) or "")
        ):
            del raw[f.key]


def _natural(session: Session, actor: Actor, rtype: Target, raw: dict[str, Any]) -> tuple[Any, ...] | None:
    found = natural_key(session, actor, rtype, raw)
    if found is None:
        return None
    return ("natural", *(str(v).upper() if isinstance(v, str) else v for _, v in found))


def _label(rtype: Target, key: str | None) -> str:
    f = rtype.field(key or "")
    return f.label if f is not None else ""
