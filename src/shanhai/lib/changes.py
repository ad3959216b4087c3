"""What an upsert did: created, updated or left the record unchanged."""

from enum import StrEnum


class Change(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"

    @classmethod
    def of(cls, *, created: bool, changed: bool) -> "Change":
        if created:
            return cls.CREATED
        return cls.UPDATED if changed else cls.UNCHANGED
