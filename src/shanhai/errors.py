"""Domain errors. Services raise these; each front door maps them once (API: JSON, web: a Chinese page)."""

from __future__ import annotations


class ShanhaiError(Exception):
    code = "error"
    status = 400

    def __init__(self, message: str, *, field: str | None = None, row: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.row = row

    def as_dict(self) -> dict[str, object]:
        body: dict[str, object] = {"code": self.code, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        if self.row is not None:
            body["row"] = self.row
        return body


class NotFound(ShanhaiError):
    code = "not_found"
    status = 404


class OutOfScope(NotFound):
    """A record outside the actor's data scope: answered exactly like a missing one (404, no unit name),
    and logged as a refused access."""


class Invalid(ShanhaiError):
    code = "invalid"
    status = 422


class Conflict(ShanhaiError):
    code = "conflict"
    status = 409


class Forbidden(ShanhaiError):
    code = "forbidden"
    status = 403


class Unavailable(ShanhaiError):
    """The database cannot be reached, is busy or full: nothing was saved; the client may try again."""

    code = "unavailable"
    status = 503
