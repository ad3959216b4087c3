"""The organisation tree: materialised paths make a subtree one prefix query."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from shanhai.errors import Invalid
from shanhai.orgunits import service as orgunits
from shanhai.orgunits.models import MAX_DEPTH, OrgKind


def test_subtree_is_the_unit_and_everything_below(session: Session) -> None:
    xinjiang = orgunits.get_by_code(session=session, code="P-XJ")
    codes = [u.code for u in session.scalars(orgunits.subtree_query(xinjiang))]
    assert codes == ["P-XJ", "P-XJ-YL", "P-XJ-KT", "PK-YY", "PK-SH"]
    kuitun = orgunits.get_by_code(session=session, code="P-XJ-KT")
    assert [u.name for u in orgunits.ancestors(session=session, unit=kuitun)] == [
        "徐州市",
        "对口地区",
        "新疆维吾尔自治区",
        "伊犁哈萨克自治州",
        "奎屯市",
    ]
    assert kuitun.level == 5


def test_new_unit_gets_path_below_its_parent(session: Session) -> None:
    quanshan = orgunits.get_by_code(session=session, code="XZ-QS")
    town = orgunits.create(
        session=session, code="XZ-QS-T1", name="测试街道", kind=OrgKind.TOWN, parent=quanshan
    )
    assert town.path == f"{quanshan.path}{town.id}/" and town.level == quanshan.level + 1
    assert town.code in [u.code for u in session.scalars(orgunits.subtree_query(quanshan))]
    # a sibling whose id starts with the same digits is not inside the subtree
    other = orgunits.get_by_code(session=session, code="XZ-TS")
    assert other.code not in [u.code for u in session.scalars(orgunits.subtree_query(quanshan))]


def test_the_tree_is_at_most_six_levels_deep(session: Session) -> None:
    """The analytics table keeps one ancestor column per level, so a seventh level is refused by name."""
    parent = orgunits.create(session=session, code="D-1", name="第1级", kind=OrgKind.CITY, parent=None)
    for level in range(2, MAX_DEPTH + 1):
        parent = orgunits.create(
            session=session, code=f"D-{level}", name=f"第{level}级", kind=OrgKind.UNIT, parent=parent
        )
    assert parent.level == MAX_DEPTH
    with pytest.raises(Invalid, match="最多 6 级") as info:
        orgunits.create(session=session, code="D-7", name="第7级", kind=OrgKind.UNIT, parent=parent)
    assert info.value.field == "parent_id"
