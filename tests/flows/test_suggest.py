"""Review suggestions read from the figure's own clause out: each figure its own place, a growth rate never a
level, a figure that fits no element left without one, the programme from a kind and a place, and the
element's 同义词 (aliases) counted as its name."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from shanhai.documents.extraction import extract_figures
from shanhai.documents.when import report_period
from shanhai.flows.suggest import Suggester, Suggestion
from shanhai.indicators.models import DataElement
from shanhai.orgunits.models import OrgUnit
from shanhai.programmes.models import Programme
from tests.conftest import actor_of


def _suggest(session: Session, text: str, title: str = "", user: str = "city_admin") -> dict[str, Suggestion]:
    suggester = Suggester(session, actor_of(session, user))
    report = report_period(title, text, None)
    return {f.text: suggester.suggest(text, f, report, title) for f in extract_figures(text)}


def _code(session: Session, model: type, id_: int | None) -> str | None:
    return None if id_ is None else session.get(model, id_).code


def test_two_places_in_one_sentence_give_two_units(session: Session) -> None:
    found = _suggest(session, "2025年，拨付援疆资金：奎屯市3200万元、兴海县1500万元。")
    assert _code(session, OrgUnit, found["3200万元"].unit_id) == "P-XJ-KT"
    assert _code(session, OrgUnit, found["1500万元"].unit_id) == "P-QH-XH"
    assert {_code(session, DataElement, s.element_id) for s in found.values()} == {"FUNDS"}


def test_a_growth_rate_is_not_a_level_and_a_list_item_is_its_own_clause(session: Session) -> None:
    found = _suggest(session, "2025年，全市地区生产总值9300亿元，同比增长6.1%；其中医生6名、教师9名赴宝鸡。")
    assert _code(session, DataElement, found["9300亿元"].element_id) == "GDP"
    assert _code(session, DataElement, found["6.1%"].element_id) == "GDP_GROWTH"
    assert _code(session, DataElement, found["6名"].element_id) == "DOCTORS_DISPATCHED"
    assert found["9名"].element_id is None  # 教师 to 宝鸡 are not 援疆教师: no element rather than a guess
    assert found["9名"].reason.startswith("无对应指标")


def test_a_share_after_同比_is_no_share_and_a_rate_with_no_element_is_left_alone(session: Session) -> None:
    found = _suggest(session, "2025年，帮助销售农特产品2600万元，同比增长15%，到位率100%。")
    assert _code(session, DataElement, found["2600万元"].element_id) == "CONSUMPTION_SALES"
    assert found["15%"].element_id is None and found["100%"].element_id is None


def test_the_programme_from_a_kind_and_a_place_and_aliases_count_as_the_name(session: Session) -> None:
    title = "泉山区2026年1月东西部协作工作简报"
    text = f"{title}\n1月份，泉山区向宝鸡市拨付帮扶资金1.2亿元。\n本月新设展销专柜3家。"
    found = _suggest(session, text, title)
    funds = found["1.2亿元"]
    assert _code(session, DataElement, funds.element_id) == "FUNDS"  # 帮扶资金 is one of its 同义词
    assert _code(session, Programme, funds.programme_id) == "SSX"  # 东西部协作 + 宝鸡, not 对口帮扶宝鸡
    assert funds.period_id == "202601" and "“1月份”" in funds.reason
    assert [o.id for o in funds.options["org_unit"]][:2] == [
        session.scalars(select(OrgUnit.id).where(OrgUnit.code == code)).one() for code in ("P-SX-BJ", "XZ-QS")
    ]
    outlets = found["3家"]
    assert (
        _code(session, DataElement, outlets.element_id) == "SALES_OUTLETS" and outlets.period_id == "202601"
    )
    assert _code(session, OrgUnit, outlets.unit_id) == "XZ-QS"  # named in the title only


def test_the_noun_after_a_number_rules_an_element_out_and_zones_go_by_their_short_names(
    session: Session,
) -> None:
    """选派4名党政干部: cadres are not 专业技术人才 though 选派 is shared; 经开区 and 高新区 are the zones."""
    found = _suggest(session, "2025年，泉山区选派4名党政干部赴宝鸡挂职；经开区新增高新技术企业12家。")
    assert found["4名"].element_id is None
    assert _code(session, OrgUnit, found["12家"].unit_id) == "XZ-JK"
    assert _code(session, DataElement, found["12家"].element_id) == "HNTE_NEW"
