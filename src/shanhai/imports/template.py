"""A register's import template (.xlsx): its fields as Chinese headers (required ones marked *), dropdowns
for the coded columns (units and programmes the importer may use, choices, 是/否), two example rows made from
the declarations, and a sheet of notes on every column — all read from the register's own field
declarations, as the import reads them back."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import xlsxwriter
from sqlalchemy import select
from sqlalchemy.orm import Session

from shanhai.auth.scope import Actor, visible
from shanhai.errors import Forbidden
from shanhai.imports.pipeline import Target, get_target
from shanhai.orgunits.models import OrgUnit
from shanhai.programmes.models import Programme
from shanhai.registers.fields import QUALIFIER_CHOICES, Field

FORMATS = {
    "text": "文字",
    "textarea": "文字（可多行）",
    "int": "整数",
    "money": "金额（元），可写 1180000、118万、1.18亿；表头写“（万元）”时按万元读",
    "date": "日期，如 2025-03-31、2025/3/31 或 Excel 日期",
    "choice": "从下拉列表中选择",
    "qualifier": "准确数、以上/余/超、以下/近、约数",
    "bool": "是 或 否",
    "unit": "单位名称或编码（下拉列表）",
    "programme": "工作类别名称或编码（下拉列表）",
    "period": "期间：2025（年）、202503（月）、2025Q1（季）",
    "ref": "所关联记录的编号、名称或编码",
    "rows": "每行一条，各项以｜分隔",
}


def header(f: Field) -> str:
    return f"{f.label}*" if f.required else f.label


def _choices(f: Field) -> list[str]:
    if f.kind == "qualifier":
        return [label for _, label in QUALIFIER_CHOICES]
    if f.kind == "bool":
        return ["是", "否"]
    return [label for _, label in f.choices]


def _example(f: Field, n: int, units: list[str], programmes: list[str]) -> Any:
    if f.kind == "unit":
        return units[min(n, len(units) - 1)] if units else ""
    if f.kind == "programme":
        return programmes[0] if programmes else ""
    if f.kind in ("choice", "qualifier", "bool"):
        options = _choices(f)
        return options[min(n, len(options) - 1)] if options and f.required else ""
    if f.kind == "date":
        return date(date.today().year, 3 + n, 31 - n).isoformat() if f.required else ""
    if f.kind == "money":
        return ("118万", "1,200,000")[n]
    if f.kind == "int":
        return (max(f.low, 1) if f.required else "") if f.key != "year" else date.today().year
    if f.kind == "period":
        return str(date.today().year)
    if f.kind in ("text",) and f.required:
        return f"示例{f.label}{n + 1}"
    return ""


def build(session: Session, actor: Actor, rtype: Target) -> bytes:
    units = list(
        session.scalars(
            select(OrgUnit.name)
            .where(visible(actor, OrgUnit.id, None), OrgUnit.closed.is_(False))
            .order_by(OrgUnit.path)
        )
    )
    programmes = list(session.scalars(select(Programme.name).order_by(Programme.id)))
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    bold = book.add_format({"bold": True, "bg_color": "#E8F0FE", "border": 1})
    sheet = book.add_worksheet(rtype.noun[:31])
    examples = book.add_worksheet("示例")  # apart: an unedited template imports nothing
    lists = book.add_worksheet("选项")
    notes = book.add_worksheet("填写说明")
    fields = list(rtype.fields)
    sheet.write(0, 0, "编号", bold)
    examples.write(0, 0, "编号", bold)
    sheet.write_comment(0, 0, "留空为新增；填写已有记录的编号则修改该记录")
    for i, f in enumerate(fields, start=1):
        sheet.write(0, i, header(f), bold)
        examples.write(0, i, header(f), bold)
        sheet.set_column(i, i, max(10, len(f.label) * 2 + 4))
        options = units if f.kind == "unit" else programmes if f.kind == "programme" else _choices(f)
        if options:
            lists.write(0, i, f.label)
            for r, option in enumerate(options, start=1):
                lists.write(r, i, option)
            col = xlsxwriter.utility.xl_col_to_name(i)
            sheet.data_validation(
                1,
                i,
                10_000,
                i,
                {
                    "validate": "list",
                    "source": f"='选项'!${col}$2:${col}${len(options) + 1}",
                    "error_title": f.label,
                    "error_message": f"{f.label}请从下拉列表中选择",
                },
            )
        for n in range(2):
            value = _example(f, n, units, programmes)
            if value != "":
                examples.write(1 + n, i, value)
    sheet.freeze_panes(1, 0)
    lists.hide()
    notes.write_row(0, 0, ["列", "必填", "填写方式", "说明"], bold)
    notes.set_column(0, 0, 18)
    notes.set_column(2, 3, 50)
    notes.write_row(1, 0, ["编号", "", "整数", "留空为新增；填写已有记录的编号则修改该记录"])
    keys = "；".join("、".join(_label(rtype, k) for k in key) for key in rtype.keys)
    for r, f in enumerate(fields, start=2):
        notes.write_row(r, 0, [f.label, "是" if f.required else "", FORMATS.get(f.kind, ""), f.help])
    r = len(fields) + 3
    notes.write(r, 0, "说明", bold)
    notes.write(
        r + 1, 0, "“示例”表是填写示例，不会导入；只导入第一张表。整个文件要么全部导入，要么一行也不导入。"
    )
    if keys:
        notes.write(r + 2, 0, f"没有编号的行按以下各项查找已有记录（找到则修改，否则新增）：{keys}")
    book.close()
    return out.getvalue()


def for_download(session: Session, actor: Actor, kind: str) -> tuple[bytes, str]:
    """The template of a register the actor may import into, and its file name."""
    rtype = get_target(kind)
    if not rtype.allowed(actor):
        raise Forbidden(f"您没有导入{rtype.noun}的权限", field="kind")
    return build(session, actor, rtype), f"{rtype.noun}导入模板.xlsx"


def _label(rtype: Target, key: str) -> str:
    f = rtype.field(key)
    return f.label if f else key
