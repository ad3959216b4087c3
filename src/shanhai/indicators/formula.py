"""Indicator formulas: #{CODE}, #{CODE.target}, #{CODE.last_year}, numbers, + - * / and parentheses.
Parsed once into a small tree; evaluated in Decimal; division by zero or a missing operand gives None."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation, localcontext
from typing import Any

from shanhai.errors import Invalid

MODIFIERS = ("target", "last_year")
_TOKEN = re.compile(r"\s*(?:(#\{([A-Za-z0-9_]+)(?:\.([a-z_]+))?\})|(\d+(?:\.\d+)?)|([-+*/()]))")


@dataclass(frozen=True)
class Operand:
    code: str
    modifier: str | None = None

    @property
    def key(self) -> str:
        return f"{self.code}.{self.modifier}" if self.modifier else self.code


Node = tuple[Any, ...]  # ("num", Decimal) | ("ref", Operand) | ("neg", Node) | (op, Node, Node)


def parse(formula: str) -> Node:
    tokens: list[tuple[str, object]] = []
    pos = 0
    text = formula.strip()
    if not text:
        raise Invalid("公式不能为空", field="formula")
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise Invalid(f"公式第 {pos + 1} 个字符无法识别：{text[pos : pos + 10]!r}", field="formula")
        if match.group(1):
            modifier = match.group(3)
            if modifier is not None and modifier not in MODIFIERS:
                raise Invalid(f"未知的修饰：.{modifier}（可用 .target、.last_year）", field="formula")
            tokens.append(("ref", Operand(match.group(2), modifier)))
        elif match.group(4):
            digits, _, decimals = match.group(4).partition(".")
            if len(digits.lstrip("0")) > 15 or len(decimals) > 4:
                raise Invalid(
                    f"公式中的数字过大或小数位过多：{match.group(4)[:24]}（整数最多 15 位，小数最多 4 位）",
                    field="formula",
                )
            tokens.append(("num", Decimal(match.group(4))))
        else:
            tokens.append(("op", match.group(5)))
        pos = match.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    parser = _Parser(tokens)
    node = parser.expression()
    if parser.index != len(tokens):
        raise Invalid("公式结构有误：多余的符号", field="formula")
    return node


MAX_NESTING = 20  # signs and parentheses inside each other: no real formula needs more


class _Parser:
    def __init__(self, tokens: list[tuple[str, object]]) -> None:
        self.tokens = tokens
        self.index = 0
        self.depth = 0  # nested signs and parentheses

    def _peek(self) -> tuple[str, object] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def expression(self) -> Node:
        node = self.term()
        while (tok := self._peek()) in (("op", "+"), ("op", "-")):
            assert tok is not None
            self.index += 1
            node = (str(tok[1]), node, self.term())
        return node

    def term(self) -> Node:
        node = self.factor()
        while (tok := self._peek()) in (("op", "*"), ("op", "/")):
            assert tok is not None
            self.index += 1
            node = (str(tok[1]), node, self.factor())
        return node

    def factor(self) -> Node:
        tok = self._peek()
        if tok is None:
            raise Invalid("公式结构有误：缺少运算数", field="formula")
        self.index += 1
        if tok in (("op", "-"), ("op", "(")):
            self.depth += 1
            if self.depth > MAX_NESTING:
                raise Invalid(f"公式嵌套过深（负号与括号最多 {MAX_NESTING} 层）", field="formula")
        if tok == ("op", "-"):
            return ("neg", self.factor())
        if tok == ("op", "("):
            node = self.expression()
            if self._peek() != ("op", ")"):
                raise Invalid("公式结构有误：括号不匹配", field="formula")
            self.index += 1
            return node
        if tok[0] in ("num", "ref"):
            return tok
        raise Invalid(f"公式结构有误：意外的“{tok[1]}”", field="formula")


def operands(node: Node) -> set[Operand]:
    if node[0] == "ref":
        return {node[1]}
    if node[0] == "num":
        return set()
    return set().union(*(operands(child) for child in node[1:]))


LIMIT = Decimal(10) ** 18  # a result this large is no figure any report quotes: the cell stays empty


def evaluate(node: Node, lookup: Callable[[Operand], Decimal | None]) -> Decimal | None:
    """The formula's value (None for a missing operand, a division by zero, or a result beyond LIMIT),
    computed with enough precision that rounding it afterwards never fails."""
    with localcontext() as context:
        context.prec = 50
        value = _evaluate(node, lookup)
    if value is None or abs(value) >= LIMIT:
        return None
    return value


def _evaluate(node: Node, lookup: Callable[[Operand], Decimal | None]) -> Decimal | None:
    kind = node[0]
    if kind == "num":
        return Decimal(node[1])
    if kind == "ref":
        return lookup(node[1])
    if kind == "neg":
        inner = _evaluate(node[1], lookup)
        return None if inner is None else -inner
    left, right = _evaluate(node[1], lookup), _evaluate(node[2], lookup)
    if left is None or right is None:
        return None
    try:
        if kind == "+":
            return left + right
        if kind == "-":
            return left - right
        if kind == "*":
            return left * right
        return None if right == 0 else left / right
    except InvalidOperation:
        return None
