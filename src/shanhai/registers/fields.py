"""The fields of the registers: how a typed value is read and checked, naming the field — text, numbers,
money as officials write it, dates, choices, periods, references within the actor's data scope and child
rows (a firm's contacts: a list of small records, each of the same declared fields) — and how a sensitive
one is masked. Every register declares its fields with `Field` (`registers.kit.RecordType`)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from shanhai.auth.scope import Actor, check_visible
from shanhai.errors import Invalid
from shanhai.lib import cnnum, periods
from shanhai.orgunits.models import OrgUnit
from shanhai.programmes.models import Programme

QUALIFIER_CHOICES = (("exact", "准确数"), ("over", "以上/余/超"), ("under", "以下/近"), ("approx", "约数"))
MAX_MONEY = Decimal("1e12")  # 1万亿元: beyond any single record of a city's programme work
MAX_COUNT = 10_000_000
ID_NUMBER = re.compile(r"^\d{17}[\dX]$")
PHONE = re.compile(r"^[\d\-+ ]{7,20}$")
DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
INTEGER = re.compile(r"-?[0-9]{1,12}")


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    kind: str = "text"  # text textarea int money date choice bool unit programme ref period qualifier rows
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    max_length: int = 128
    low: int = 0
    high: int = MAX_COUNT
    ref: type[Any] | None = None  # for kind "ref"
    editable: bool = True  # False: set when the record is created, fixed afterwards
    sensitive: bool = False  # shown in full only with people:sensitive
    help: str = ""
    rows: tuple[Field, ...] = ()  # kind "rows": the fields of each child row
    max_rows: int = 20

    @property
    def has_sensitive(self) -> bool:
        return self.sensitive or any(c.sensitive for c in self.rows)


def choices_of(values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((v, v) for v in values)


def mask(value: str) -> str:
    """身份证号 3203**********1234, 手机号 138****5678."""
    if not value:
        return ""
    keep = 4 if len(value) > 11 else 3
    tail = 4
    if len(value) <= keep + tail:
        return "*" * len(value)
    return value[:keep] + "*" * (len(value) - keep - tail) + value[-tail:]


def parse_money(text: Any, label: str, field: str) -> Decimal:
    """An amount in 元: digits with an optional decimal point and thousands commas, or with 万/亿 after it."""
    raw = str(text).strip()
    try:
        value = cnnum.parse_entered(raw, unit="元")
    except (cnnum.NumberFormatError, ArithmeticError):
        raise Invalid(f"{label}应填写金额，如 1180000 或 118万，而不是“{raw[:20]}”", field=field) from None
    if not value.is_finite() or len(raw) > 40:
        raise Invalid(f"{label}不是有效的金额", field=field)
    if value <= 0:
        raise Invalid(f"{label}应大于 0", field=field)
    if value >= MAX_MONEY:
        raise Invalid(f"{label}过大（应小于 1万亿元），请检查单位", field=field)
    if value != value.quantize(Decimal("0.01")):
        raise Invalid(f"{label}最多精确到分（两位小数）", field=field)
    return value.quantize(Decimal("0.01"))


def parse_date(text: Any, label: str, field: str) -> date:
    if isinstance(text, date):
        value = text
    else:
        raw = str(text).strip()
        if not DATE.match(raw):
            raise Invalid(f"{label}应为日期，格式如 2025-03-31，而不是“{raw[:20]}”", field=field)
        try:
            value = date.fromisoformat("-".join(p.zfill(2) for p in raw.split("-")))
        except ValueError:
            raise Invalid(f"{label}不是有效的日期：{raw}", field=field) from None
    if not 1990 <= value.year <= 2100:
        raise Invalid(f"{label}应在 1990–2100 年之间", field=field)
    return value


def _int(text: Any, f: Field) -> int:
    raw = str(text).strip()
    if isinstance(text, bool) or not INTEGER.fullmatch(raw):
        raise Invalid(f"{f.label}应为整数，而不是“{raw[:20]}”", field=f.key)
    value = int(raw)
    if not f.low <= value <= f.high:
        raise Invalid(f"{f.label}应在 {f.low}–{f.high} 之间", field=f.key)
    return value


def _text(text: Any, f: Field) -> str:
    value = str(text).strip()
    if len(value) > f.max_length:
        raise Invalid(f"{f.label}最多 {f.max_length} 个字符（现 {len(value)} 个）", field=f.key)
    if any(unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\n\t\r" for ch in value):
        raise Invalid(f"{f.label}含有不可见的控制字符", field=f.key)
    return value


TRUE_WORDS = frozenset({"1", "true", "on", "yes", "是", "y"})
FALSE_WORDS = frozenset({"", "0", "false", "off", "no", "否", "n"})


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


ROW_SEPARATOR = re.compile(r"[|｜]")


def _rows(session: Session, actor: Actor, f: Field, value: Any) -> list[dict[str, Any]]:
    """Child rows: a list of objects (the API) or text with one row a line, cells split by ｜ (a form)."""
    if isinstance(value, str):
        cells = [ROW_SEPARATOR.split(line) for line in value.splitlines() if line.strip()]
        if any(len(row) > len(f.rows) for row in cells):
            names = "｜".join(c.label for c in f.rows)
            raise Invalid(f"{f.label}每行最多 {len(f.rows)} 项（{names}）", field=f.key)
        value = [dict(zip((c.key for c in f.rows), row, strict=False)) for row in cells]
    if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
        raise Invalid(f"{f.label}应为若干行，每行含{'、'.join(c.label for c in f.rows)}", field=f.key)
    if len(value) > f.max_rows:
        raise Invalid(f"{f.label}最多 {f.max_rows} 行（现 {len(value)} 行）", field=f.key)
    out = []
    for n, row in enumerate(value, start=1):
        unknown = set(row) - {c.key for c in f.rows}
        if unknown:
            raise Invalid(
                f"{f.label}第 {n} 行有未知的项：{'、'.join(sorted(map(str, unknown)))[:80]}", field=f.key
            )
        try:
            out.append({c.key: read_field(session, actor, c, row.get(c.key)) for c in f.rows})
        except Invalid as exc:
            raise Invalid(f"{f.label}第 {n} 行：{exc.message}", field=f.key) from None
    return out


def read_field(session: Session, actor: Actor, f: Field, value: Any) -> Any:
    """One field's typed value (None when empty and not required; empty required fields name the field)."""
    if f.kind == "rows":
        if _empty(value) or value == []:
            if f.required:
                raise Invalid(f"请填写{f.label}", field=f.key)
            return []
        return _rows(session, actor, f, value)
    if f.kind == "bool":
        if value is None or isinstance(value, bool):
            return bool(value)
        word = str(value).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise Invalid(f"{f.label}应为“是”或“否”（true/false）", field=f.key)
    if _empty(value):
        if f.required:
            raise Invalid(f"请填写{f.label}", field=f.key)
        return "" if f.kind in ("text", "textarea") else None
    if f.kind in ("text", "textarea"):
        return _text(value, f)
    if f.kind == "int":
        return _int(value, f)
    if f.kind == "money":
        return parse_money(value, f.label, f.key)
    if f.kind == "date":
        return parse_date(value, f.label, f.key)
    if f.kind in ("choice", "qualifier"):
        allowed = QUALIFIER_CHOICES if f.kind == "qualifier" else f.choices
        text = str(value).strip()
        if text not in {v for v, _ in allowed}:
            raise Invalid(f"{f.label}应为：{'、'.join(label for _, label in allowed)}", field=f.key)
        return text
    if f.kind == "period":
        try:
            return periods.parse(str(value).strip()).id
        except periods.PeriodFormatError as exc:
            raise Invalid(f"{f.label}：{exc}", field=f.key) from None
    number = _int(value, Field(f.key, f.label, low=1, high=2**31 - 1))
    if f.kind == "unit":
        unit = session.get(OrgUnit, number)
        if unit is None:
            raise Invalid(f"{f.label}不存在", field=f.key)
        return number
    if f.kind == "programme":
        if session.get(Programme, number) is None:
            raise Invalid(f"{f.label}不存在", field=f.key)
        return number
    assert f.ref is not None
    target = session.get(f.ref, number)
    if target is None or not visible_record(actor, target):
        raise Invalid(f"{f.label}不存在或不在您的数据范围内", field=f.key)
    return number


def visible_record(actor: Actor, obj: Any) -> bool:
    try:
        check_visible(actor, obj.org_unit, getattr(obj, "created_by_id", None))
    except Exception:
        return False
    return True
