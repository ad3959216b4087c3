"""Pydantic's validation errors in Chinese: a user never reads "Field required" or "Input should be a
valid integer". The field is named by the caller."""

from __future__ import annotations

from typing import Any

_BY_TYPE = {
    "missing": "为必填项",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "int_type": "应为整数",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "decimal_parsing": "应为数字",
    "decimal_type": "应为数字",
    "finite_number": "应为有限的数字",
    "bool_parsing": "应为是或否（true/false）",
    "bool_type": "应为是或否（true/false）",
    "date_parsing": "应为日期（如 2025-07-01）",
    "date_from_datetime_parsing": "应为日期（如 2025-07-01）",
    "date_type": "应为日期（如 2025-07-01）",
    "datetime_parsing": "应为时间（如 2025-07-01T08:00:00）",
    "string_type": "应为文字",
    "string_pattern_mismatch": "格式不对",
    "json_invalid": "不是有效的 JSON",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "extra_forbidden": "是多余的字段",
    "uuid_parsing": "格式不对",
}


def chinese(error: dict[str, Any]) -> str:
    """One pydantic error dict as a Chinese phrase (without the field name)."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "value_error":
        return str(ctx.get("error", error.get("msg", ""))).removeprefix("Value error, ")
    if kind in ("greater_than_equal", "greater_than"):
        return f"不能小于{'或等于' if kind == 'greater_than' else ''} {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"不能大于{'或等于' if kind == 'less_than' else ''} {ctx.get('le', ctx.get('lt'))}"
    if kind in ("string_too_long", "too_long"):
        return f"过长（最多 {ctx.get('max_length')} 个）"
    if kind in ("string_too_short", "too_short"):
        return f"过短（至少 {ctx.get('min_length')} 个）"
    if kind in ("enum", "literal_error"):
        expected = str(ctx.get("expected", "")).replace("'", "").replace(" or ", "、").replace(", ", "、")
        return f"取值无效（可选：{expected}）"
    if kind in ("decimal_max_digits", "decimal_max_places", "decimal_whole_digits"):
        return "数字位数过多"
    return _BY_TYPE.get(kind, "格式不对")
