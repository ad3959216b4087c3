"""Every declared register and derivation, gathered from the domains that declare them.

A domain declares its registers in a module of its own (`REGISTERS`: the `kit.RecordType`s; `DERIVATIONS`:
what its records count towards, `derive.Derivation`s) and is named once in `DOMAINS`. The kit, the lists,
the menu, the API, the pages and the persona × route matrix read the registers from here, so a new register
needs no edit anywhere else. The domains sit above the kit (they import it); the kit reaches them only
through these names, loaded once on first use."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shanhai.registers.derive import Derivation
    from shanhai.registers.kit import RecordType

DOMAINS = (
    "shanhai.operations.registers",  # 工作台账: the programme work
    "shanhai.enterprises.registers",  # 企业库: firms, qualifications, support
    "shanhai.investment.registers",  # 招商引资: the task breakdown
)


@dataclass(frozen=True)
class Catalogue:
    types: dict[str, RecordType]
    derivations: tuple[Derivation, ...]
    by_code: dict[str, Derivation]


@cache
def _catalogue() -> Catalogue:
    types: dict[str, RecordType] = {}
    derivations: list[Derivation] = []
    for name in DOMAINS:
        module: Any = importlib.import_module(name)
        for rtype in module.REGISTERS:
            if rtype.name in types:
                raise RuntimeError(f"register {rtype.name} is declared twice ({name})")
            types[rtype.name] = rtype
        derivations.extend(module.DERIVATIONS)
    codes = [d.code for d in derivations]
    if len(codes) != len(set(codes)):
        raise RuntimeError("a derivation code is declared twice")
    return Catalogue(types, tuple(derivations), {d.code: d for d in derivations})


def types() -> dict[str, RecordType]:
    """Every register by its name (its pages are /records/{name}, its API /api/v1/records/{name})."""
    return _catalogue().types


def derivations() -> tuple[Derivation, ...]:
    return _catalogue().derivations


def derivation(code: str) -> Derivation | None:
    return _catalogue().by_code.get(code)


def type_of(model: type[Any]) -> RecordType:
    return next(t for t in types().values() if t.model is model)
