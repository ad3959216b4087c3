"""The error body every API route documents: {"error": {"code", "message", "field"?, "row"?}}."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None
    row: int | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "请求有误"},
    401: {"model": ErrorBody, "description": "未登录或令牌无效"},
    403: {"model": ErrorBody, "description": "无权限或超出数据范围"},
    404: {"model": ErrorBody, "description": "记录不存在"},
    409: {"model": ErrorBody, "description": "版本冲突或重复"},
    422: {"model": ErrorBody, "description": "参数校验失败"},
}
