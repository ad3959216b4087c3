"""企业库 declared on the register kit: 企业 (an enterprise), 企业资质 (a qualification with its validity)
and 企业支持 (support received: a loan, a subsidy or award, a grant, rent relief). A qualification or support
record belongs to its enterprise's district or zone, set from the firm on every save, and to the programme
of kind 科技创新 unless another is chosen. What these records count towards is declared in `DERIVATIONS`:
qualifications count firms by kind and year, support adds up amounts by kind and product — so those cells
are kept by the registers, and a report's figure for them is a claim on 对账.

Beside the kit: `merge` (a near-duplicate firm folded into another, every linked record moved, audited),
`near_duplicates` (firms whose names differ only by place and legal form) and `expiring` (certificates that
end within 90 days)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from pypinyin import Style, lazy_pinyin
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from shanhai.audit.service import Action, record
from shanhai.auth.scope import Actor, visible
from shanhai.db import serialize
from shanhai.enterprises.models import (
    LOAN_PRODUCTS,
    MATURITIES,
    PUSH_OUTCOMES,
    QUALIFICATION_KINDS,
    SEARCHED,
    SIZES,
    SUPPORT_KINDS,
    Achievement,
    Enterprise,
    Push,
    Qualification,
    Support,
)
from shanhai.errors import Conflict, Invalid
from shanhai.indicators.models import Aggregation
from shanhai.lib import industries, uscc
from shanhai.lib.beijing import today
from shanhai.orgunits.models import OrgKind, OrgUnit
from shanhai.programmes.models import Programme, ProgrammeKind
from shanhai.registers import derive
from shanhai.registers.derive import Derivation
from shanhai.registers.fields import PHONE, Field, choices_of, visible_record
from shanhai.registers.kit import RecordType, get_record

MENU = "企业库"
EXPIRING_DAYS = 90


INDUSTRIES, INDUSTRY_NAMES = industries.DIVISIONS, industries.NAMES

# the place and legal form a firm's name may carry or leave out: 徐州市联超光电科技有限公司 is 联超光电科技
_PLACE = re.compile(r"^(江苏省)?(徐州市?|徐州经济技术开发区|徐州高新技术产业开发区)")
_FORM = re.compile(r"(股份有限公司|有限责任公司|有限公司|集团|公司)$")
_BRACKETED = re.compile(r"[（(][^）)]*[）)]")
_SPACES = re.compile(r"[\s·•・\-—_]+")


def name_key(name: str) -> str:
    """What near-duplicate names share: the name without spaces, brackets (（徐州）), place and legal form."""
    key = _SPACES.sub("", _BRACKETED.sub("", name))
    key = _PLACE.sub("", key)
    for _ in range(2):
        key = _FORM.sub("", key)
    return key or name


def initials(name: str) -> str:
    """Pinyin initials of the name, for search (徐州联超光电科技有限公司 → xzlcgdkjyxgs)."""
    letters = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors=lambda s: s.lower())).lower()
    return "".join(c for c in letters if c.isascii() and c.isalnum())[:200]  # no brackets or dots


def _check_enterprise(session: Session, actor: Actor, e: Enterprise, before: dict[str, Any] | None) -> None:
    e.name = e.name.strip()
    if e.credit_code:
        e.credit_code = uscc.normalise(e.credit_code)
        problem = uscc.problem(e.credit_code)
        if problem:
            raise Invalid(problem, field="credit_code")
        serialize(session, f"enterprise-code:{e.credit_code}")  # two firms of one code sent at once
        with session.no_autoflush:
            taken = session.scalar(
                select(Enterprise).where(
                    Enterprise.credit_code == e.credit_code, Enterprise.id != (e.id or 0)
                )
            )
        if taken is not None:  # named only when the actor may see it
            where = f"（{taken.name}）" if visible_record(actor, taken) else "（在您的数据范围以外）"
            raise Invalid(
                f"统一社会信用代码 {e.credit_code} 已登记{where}，同一企业只能登记一次", field="credit_code"
            )
    else:
        e.credit_code = None
    unit = session.get_one(OrgUnit, e.org_unit_id)
    if unit.kind not in (OrgKind.DISTRICT.value, OrgKind.CITY.value):
        raise Invalid(f"“{unit.name}”不是本市的区县或开发区，请选择企业所在的区县/园区", field="org_unit_id")
    if e.industry_code and e.industry_code not in INDUSTRY_NAMES:
        raise Invalid("行业应为国民经济行业分类（GB/T 4754）的大类，如 C39", field="industry_code")
    if e.founded_on and e.founded_on > today():
        raise Invalid("成立日期不能晚于今天", field="founded_on")
    for n, contact in enumerate(e.contacts or [], start=1):
        if contact.get("phone") and not PHONE.match(contact["phone"]):
            raise Invalid(f"联系人第 {n} 行：电话格式不正确（数字、-、+ 和空格，7–20 位）", field="contacts")
    e.initials = initials(e.name)
    e.name_key = name_key(e.name)


def _of_enterprise(
    session: Session,
    obj: Qualification | Support | Push,
    count: tuple[str, str],
    *,
    also: tuple[tuple[str, str], ...] = (),
) -> None:
    """A firm's record is in the firm's district or zone (its scope and its cells) and counts one; a summary
    row names no firm (nor what `also` names, as (field, what it is)), stands at the place it was chosen for
    and gives its own count (`count`: its field and what it is). Both count under the programme of kind
    科技创新 when none is chosen."""
    field, counted = count
    if obj.summary:
        named = ["enterprise_id", *(key for key, _ in also)]
        if any(getattr(obj, key) is not None for key in named):
            what = "和".join([*(label for _, label in also), "企业"])
            raise Invalid(f"汇总记录不列明{what}：请清空，或取消“汇总记录”", field="enterprise_id")
        if obj.org_unit_id is None:
            raise Invalid("汇总记录请选择所属地区（区县/园区或全市）", field="org_unit_id")
        if not getattr(obj, field):
            raise Invalid(f"汇总记录请填写{counted}", field=field)
    else:
        for key, label in (*also, ("enterprise_id", "企业")):
            if getattr(obj, key) is None:
                raise Invalid(f"请选择{label}（只有汇总记录可以不列明）", field=key)
        obj.org_unit_id = session.get_one(Enterprise, obj.enterprise_id).org_unit_id
        setattr(obj, field, 1)  # one firm, one time
    unit = session.get_one(OrgUnit, obj.org_unit_id)
    if unit.kind not in (OrgKind.DISTRICT.value, OrgKind.CITY.value):
        raise Invalid(f"“{unit.name}”不是全市或区县/园区", field="org_unit_id")
    _innovation(session, obj)


def _innovation(session: Session, obj: Qualification | Support | Push) -> None:
    """A record of sci-tech work counts under the programme of kind 科技创新 when none is chosen."""
    if obj.programme_id is None:
        obj.programme_id = session.scalar(
            select(Programme.id)
            .where(Programme.kind == ProgrammeKind.INNOVATION.value)
            .order_by(Programme.id)
        )


def _firm_name(obj: Qualification | Support) -> str:
    return obj.enterprise.name if obj.enterprise is not None else f"{obj.org_unit.name}（汇总）"


def _check_qualification(
    session: Session, actor: Actor, q: Qualification, before: dict[str, Any] | None
) -> None:
    _of_enterprise(session, q, ("firms", "企业数（家）"))
    if q.summary and (q.certificate_no.strip() or q.issued_on or q.expires_on):
        raise Invalid("汇总记录不填写证书编号和有效期", field="certificate_no")
    if q.expires_on is not None and q.issued_on is None:
        raise Invalid("填写有效期截止日期时请同时填写发证（认定）日期", field="issued_on")
    if q.issued_on is not None and q.expires_on is not None and q.expires_on <= q.issued_on:
        raise Invalid("有效期截止日期应晚于发证（认定）日期", field="expires_on")
    if q.issued_on is not None and abs(q.issued_on.year - q.year) > 1:
        raise Invalid(f"发证（认定）日期应在 {q.year} 年前后（认定年度）", field="issued_on")
    if not q.summary:  # one firm holds one qualification of a kind per year, one certificate once
        serialize(session, f"qualification:{q.enterprise_id}")
        same = [
            Qualification.enterprise_id == q.enterprise_id,
            Qualification.id != (q.id or 0),
            Qualification.summary.is_(False),
        ]
        with session.no_autoflush:
            twin = session.scalar(
                select(Qualification.id).where(
                    *same, Qualification.kind == q.kind, Qualification.year == q.year
                )
            )
            number = q.certificate_no.strip()
            reused = number and session.scalar(
                select(Qualification.id).where(
                    Qualification.certificate_no == number, Qualification.id != (q.id or 0)
                )
            )
        if twin is not None:
            raise Invalid(f"该企业 {q.year} 年已登记“{q.kind}”资质，请修改原记录", field="kind")
        if reused:
            raise Invalid(f"证书编号 {number} 已登记", field="certificate_no")
    if q.kind == "高新技术企业" and not q.summary and not q.certificate_no.strip():
        raise Invalid("高新技术企业请填写证书编号", field="certificate_no")


def _check_support(session: Session, actor: Actor, s: Support, before: dict[str, Any] | None) -> None:
    _of_enterprise(session, s, ("times", "企业家次"))
    if s.kind == "贷款" and not s.product:
        raise Invalid(f"贷款请选择或填写产品（如 {'、'.join(LOAN_PRODUCTS[:2])}）", field="product")
    if s.kind != "贷款" and s.product in LOAN_PRODUCTS:
        raise Invalid(f"“{s.product}”是贷款产品，类型应为贷款", field="kind")
    if s.granted_on > today():
        raise Invalid("日期不能晚于今天", field="granted_on")


SUMMARY = Field(
    "summary",
    "汇总记录（不列明企业）",
    "bool",
    help="报告只给出某地全年合计时勾选：只计入该地及下属区县逐企业记录之外的部分，不与之重复相加",
)
UNIT_HELP = "逐企业记录取企业所在区县，不必填写"
QUALIFIER = Field("qualifier", "数值说明", "qualifier", help="报告写作“超2200家”时选“以上/余/超”")

ENTERPRISE = RecordType(
    "enterprises",
    "企业",
    Enterprise,
    (
        Field("name", "企业名称", required=True, max_length=200),
        Field(
            "credit_code",
            "统一社会信用代码",
            max_length=40,
            help="18 位，末位为校验码；由报道得知、尚无代码的企业可暂空",
        ),
        Field("org_unit_id", "所在区县/园区", "unit", required=True),
        Field("industry_code", "行业（GB/T 4754 大类）", "choice", choices=INDUSTRIES),
        Field("size", "企业规模", "choice", choices=choices_of(SIZES)),
        Field("founded_on", "成立日期", "date"),
        Field("address", "地址", max_length=256),
        Field("former_names", "曾用名", max_length=500, help="多个曾用名用“、”分隔"),
        Field(
            "contacts",
            "联系人",
            "rows",
            rows=(
                Field("name", "姓名", required=True, max_length=32),
                Field("title", "职务", max_length=32),
                Field("phone", "电话", max_length=20, sensitive=True),
            ),
            max_rows=10,
            help="每行一位：姓名｜职务｜电话",
        ),
        Field("note", "备注", "textarea", max_length=2000),
    ),
    title=lambda e: e.name,
    module="enterprises",
    menu=MENU,
    menu_label="企业名录",
    sensitive_permission="enterprises:sensitive",
    searched=SEARCHED,
    check=_check_enterprise,
    updated=lambda session, actor, firm, before: _moved_district(session, actor, firm, before),
    keys=(("credit_code",), ("name",)),
)

QUALIFICATION = RecordType(
    "qualifications",
    "企业资质",
    Qualification,
    (
        Field("enterprise_id", "企业", "ref", ref=Enterprise, help="汇总记录不填"),
        Field("kind", "资质类型", "choice", required=True, choices=choices_of(QUALIFICATION_KINDS)),
        Field("year", "入库/认定年度", "int", required=True, low=2000, high=2100),
        Field("certificate_no", "证书编号", max_length=64),
        Field("issued_on", "发证（认定）日期", "date"),
        Field("expires_on", "有效期至", "date"),
        SUMMARY,
        QUALIFIER,
        Field("org_unit_id", "所属地区（汇总记录）", "unit", help=UNIT_HELP),
        Field("firms", "企业数（家，汇总记录）", "int", low=0, high=10_000_000),
        Field("programme_id", "重点工作", "programme", help="不选时计入“科技创新”"),
        Field("note", "备注", "textarea", max_length=2000),
    ),
    title=lambda q: f"{_firm_name(q)} · {q.kind}（{q.year}）",
    module="enterprises",
    menu=MENU,
    check=_check_qualification,
    keys=(("certificate_no",), ("enterprise_id", "kind", "year")),
)

SUPPORT = RecordType(
    "support",
    "企业支持",
    Support,
    (
        Field("enterprise_id", "企业", "ref", ref=Enterprise, help="汇总记录不填"),
        Field("kind", "支持类型", "choice", required=True, choices=choices_of(SUPPORT_KINDS)),
        Field("product", "产品/项目", max_length=64, help="贷款写产品：苏科贷、高企贷、科创e贷…"),
        Field("provider", "银行/部门/孵化器", max_length=128),
        Field("amount", "金额（元）", "money", required=True, help="可写 5000000 或 500万"),
        Field("granted_on", "放款/拨付日期", "date", required=True, help="汇总记录：汇总截至的日期"),
        SUMMARY,
        QUALIFIER,
        Field("org_unit_id", "所属地区（汇总记录）", "unit", help=UNIT_HELP),
        Field("times", "家次（汇总记录）", "int", low=0, high=10_000_000),
        Field("programme_id", "重点工作", "programme", help="不选时计入“科技创新”"),
        Field("note", "备注", "textarea", max_length=2000),
    ),
    title=lambda s: f"{_firm_name(s)} · {s.product or s.kind} {s.granted_on}",
    module="enterprises",
    menu=MENU,
    check=_check_support,
    keys=(("enterprise_id", "kind", "product", "granted_on"),),  # an amount corrected: the same loan
)


def _check_push(session: Session, actor: Actor, p: Push, before: dict[str, Any] | None) -> None:
    """A push names its achievement and firm and counts one, in the firm's district; a summary row names
    neither, stands at its place and gives its count."""
    _of_enterprise(session, p, ("pushes", "推送项数"), also=(("achievement_id", "推送的科技成果"),))
    if p.pushed_on > today():
        raise Invalid("推送日期不能晚于今天", field="pushed_on")


def _check_achievement(session: Session, actor: Actor, a: Achievement, before: dict[str, Any] | None) -> None:
    if a.industry_code and a.industry_code not in INDUSTRY_NAMES:
        raise Invalid("行业应为国民经济行业分类（GB/T 4754）的大类，如 C39", field="industry_code")


ACHIEVEMENT = RecordType(
    "achievements",
    "科技成果",
    Achievement,
    (
        Field("title", "成果名称", required=True, max_length=256),
        Field("field", "技术领域", max_length=64, help="如 高端装备、新材料、集成电路"),
        Field("industry_code", "适用行业（GB/T 4754 大类）", "choice", choices=INDUSTRIES),
        Field("keywords", "关键词", max_length=256, help="多个用“、”分隔，供成果与企业匹配"),
        Field("owner_institution", "成果所有单位", max_length=128),
        Field("maturity", "成熟度", "choice", choices=choices_of(MATURITIES)),
        Field("org_unit_id", "登记单位", "unit", required=True),
        Field("note", "备注", "textarea", max_length=2000),
    ),
    title=lambda a: a.title,
    module="enterprises",
    menu=MENU,
    check=_check_achievement,
    keys=(("title", "owner_institution"),),
)

PUSH = RecordType(
    "pushes",
    "成果推送",
    Push,
    (
        Field("achievement_id", "科技成果", "ref", ref=Achievement, help="汇总记录不填"),
        Field("enterprise_id", "接收企业", "ref", ref=Enterprise, help="汇总记录不填"),
        Field("pushed_on", "推送日期", "date", required=True, help="汇总记录：汇总截至的日期"),
        Field("outcome", "结果", "choice", choices=choices_of(PUSH_OUTCOMES)),
        SUMMARY,
        QUALIFIER,
        Field("org_unit_id", "所属地区（汇总记录）", "unit", help=UNIT_HELP),
        Field("pushes", "推送项数（汇总记录）", "int", low=0, high=10_000_000),
        Field("programme_id", "重点工作", "programme", help="不选时计入“科技创新”"),
        Field("note", "备注", "textarea", max_length=2000),
    ),
    title=lambda p: (
        f"{p.achievement.title} → {p.enterprise.name}"
        if p.achievement is not None and p.enterprise is not None
        else f"{p.org_unit.name}（汇总）{p.pushed_on}"
    ),
    module="enterprises",
    menu=MENU,
    check=_check_push,
    keys=(("achievement_id", "enterprise_id", "pushed_on"),),
)

REGISTERS: tuple[RecordType, ...] = (ENTERPRISE, QUALIFICATION, SUPPORT, ACHIEVEMENT, PUSH)


def _qualified(code: str, element: str, name: str, kind: str, says: str) -> Derivation:
    """Firms newly holding a qualification, counted in the year it was granted (入库 / 认定)."""
    return Derivation(
        code,
        element,
        name,
        "家",
        Aggregation.SUM,
        Qualification,
        f"企业资质（{kind}）",
        measure="firms",
        year="year",
        where=(("kind", (kind,)),),
        summary="summary",
        summary_subtree=True,
        qualifier="qualifier",
        link="/records/qualifications",
        says=says,
    )


def _supported(
    code: str,
    element: str,
    name: str,
    where: tuple[tuple[str, tuple[str, ...]], ...],
    says: str,
    *,
    count: bool = False,
) -> Derivation:
    """Support records added up (or counted, 家次) in the month they were granted."""
    return Derivation(
        code,
        element,
        name,
        "家次" if count else "元",
        Aggregation.SUM,
        Support,
        "企业支持记录",
        measure="times" if count else "amount",
        date="granted_on",
        monthly=True,
        where=where,
        summary="summary",
        summary_subtree=True,
        qualifier="qualifier",
        link="/records/support",
        says=says,
    )


SUKEDAI = (("kind", ("贷款",)), ("product", ("苏科贷",)))
DERIVATIONS: tuple[Derivation, ...] = (
    Derivation(
        "achievements_pushed",
        "ACHIEVEMENTS_PUSHED",
        "技术交易平台推送科技成果",
        "项",
        Aggregation.SUM,
        Push,
        "成果推送记录",
        measure="pushes",
        date="pushed_on",
        monthly=True,
        summary="summary",
        summary_subtree=True,
        qualifier="qualifier",
        link="/records/pushes",
        says="每次成果推送计 1 项，计入推送当月、企业所在区县；"
        "汇总记录计其项数，只计入该地及下属区县逐条记录之外的部分",
    ),
    Derivation(
        "achievement_deals",
        "ACHIEVEMENT_DEALS",
        "推送成果签约转化",
        "项",
        Aggregation.SUM,
        Push,
        "结果为已签约的成果推送",
        date="pushed_on",
        monthly=True,
        where=(("outcome", ("已签约",)), ("summary", (False,))),
        link="/records/pushes",
        says="结果为已签约的成果推送每条计 1 项，计入推送当月、企业所在区县",
    ),
    _qualified(
        "tech_sme_registered",
        "TECH_SME_REGISTERED",
        "入库科技型中小企业",
        "科技型中小企业",
        "资质类型为科技型中小企业的记录，按入库年度、企业所在区县各计 1 家",
    ),
    _qualified(
        "hnte_new",
        "HNTE_NEW",
        "新增高新技术企业",
        "高新技术企业",
        "资质类型为高新技术企业的记录，按认定年度、企业所在区县各计 1 家（新认定）",
    ),
    _qualified(
        "gazelles",
        "GAZELLE_FIRMS",
        "新认定瞪羚企业",
        "瞪羚企业",
        "资质类型为瞪羚企业的记录，按认定年度各计 1 家",
    ),
    _qualified(
        "unicorn_candidates",
        "UNICORN_CANDIDATES",
        "入选省（潜在）独角兽企业",
        "潜在独角兽企业",
        "资质类型为潜在独角兽企业的记录，按入选年度各计 1 家",
    ),
    Derivation(
        "hnte_valid",
        "HNTE_VALID",
        "有效高新技术企业",
        "家",
        Aggregation.LAST,
        Qualification,
        "有效期内的高新技术企业资质",
        date="issued_on",
        end="expires_on",
        at_year_end=True,
        where=(("kind", ("高新技术企业",)),),
        link="/records/qualifications",
        says="有发证日期和有效期的高新技术企业资质，在年末仍有效的每个年度各计 1 家（年末有效数）",
    ),
    _supported(
        "sukedai_loans", "SUKEDAI_LOANS", "苏科贷放款", SUKEDAI, "产品为苏科贷的贷款按金额计入放款当月"
    ),
    _supported(
        "sukedai_firms",
        "SUKEDAI_FIRMS",
        "苏科贷支持企业",
        SUKEDAI,
        "产品为苏科贷的贷款每笔计 1 家次，计入放款当月",
        count=True,
    ),
    _supported(
        "tech_loans",
        "TECH_LOANS",
        "科技企业贷款",
        (("kind", ("贷款",)),),
        "每笔贷款（任何产品）按金额计入放款当月",
    ),
    _supported(
        "tech_awards", "TECH_AWARDS", "科技奖补资金", (("kind", ("补贴奖励",)),), "补贴奖励按金额计入拨付当月"
    ),
    _supported(
        "sci_project_funds",
        "SCI_PROJECT_FUNDS",
        "省市科技项目资金",
        (("kind", ("科技项目资助",)),),
        "科技项目资助按金额计入拨付当月",
    ),
    _supported(
        "rent_relief",
        "RENT_RELIEF",
        "孵化器减免租金",
        (("kind", ("减免租金",)),),
        "减免租金按金额计入减免当月",
    ),
)

LINKED = (Qualification, Support, Push)  # every record that names a firm: a merge moves them all


def _carry(session: Session, actor: Actor, from_id: int, firm: Enterprise) -> dict[str, int]:
    """Every record of firm `from_id` goes to `firm` (itself, when it moved district): its firm, its unit,
    and what it counts, recounted in the cells it left and those it entered. Returns how many per register."""
    moved: dict[str, int] = {}
    for rtype in (QUALIFICATION, SUPPORT, PUSH):
        model = rtype.model
        records = list(
            session.scalars(select(model).where(model.enterprise_id == from_id).order_by(model.id))
        )
        for obj in records:
            before = derive.snapshot(obj)
            obj.enterprise_id, obj.org_unit_id = firm.id, firm.org_unit_id
            session.flush()
            derive.refresh(
                session=session, actor=actor, model=model, before=before, after=derive.snapshot(obj)
            )
        moved[rtype.noun] = len(records)
    return moved


def _moved_district(session: Session, actor: Actor, firm: Enterprise, before: dict[str, Any]) -> None:
    """A firm that changed district takes its qualifications and support along (their scope and cells)."""
    if before.get("org_unit_id") != firm.org_unit_id:
        _carry(session, actor, firm.id, firm)


@dataclass(frozen=True)
class Merged:
    kept: int
    gone: int
    moved: dict[str, int]  # register noun → records moved


def merge(*, session: Session, actor: Actor, source_id: int, target_id: int, version: int) -> Merged:
    """Fold enterprise `source_id` into `target_id`: every qualification and support record moves to the
    target, the source's name joins the target's 曾用名 and the source goes; one audit entry says what moved.
    Both firms must be in the actor's scope; two merges of one pair at once run one after the other (the
    second finds the source gone: 404)."""
    actor.require("enterprises:edit")
    actor.require("enterprises:delete")
    if source_id == target_id:
        raise Invalid("不能把企业合并到它自己", field="target_id")
    for firm_id in sorted((source_id, target_id)):  # one order for every pair: no deadlock between merges
        serialize(session, f"enterprise:{firm_id}")
    source = get_record(session=session, actor=actor, rtype=ENTERPRISE, record_id=source_id)
    if source.version != version:
        raise Conflict("该企业已被他人修改，请刷新后重试", field="version")
    target = session.get(Enterprise, target_id)
    if target is None or not visible_record(actor, target):
        raise Invalid("要合并到的企业不存在或不在您的数据范围内", field="target_id")
    if source.credit_code and target.credit_code and source.credit_code != target.credit_code:
        raise Invalid(
            f"两家企业的统一社会信用代码不同（{source.credit_code} / {target.credit_code}），不是同一企业",
            field="target_id",
        )
    source_name, target_name = source.name, target.name
    moved = _carry(session, actor, source.id, target)
    names = [n for n in (target.former_names.split("、") if target.former_names else []) if n]
    for name in [source.name, *(source.former_names.split("、") if source.former_names else [])]:
        if name and name != target.name and name not in names:
            names.append(name)
    former = "、".join(names)
    if len(former) > 500:
        raise Invalid("合并后曾用名超过 500 字，请先整理曾用名", field="target_id")
    target.former_names = former
    if not target.credit_code and source.credit_code:
        code = source.credit_code
        source.credit_code = None
        session.flush()
        target.credit_code = code
    session.delete(source)
    session.flush()
    record(
        session=session,
        actor=actor,
        module=MENU,
        action=Action.UPDATE,
        object_type="enterprises",
        object_id=target.id,
        summary=(
            f"合并企业：“{source_name}”并入“{target_name}”，"
            + "、".join(f"{noun} {n} 条" for noun, n in moved.items())
            + "随之转移"
        )[:500],
        before={"merged_from": str(source_id), "name": source_name},
        after={"former_names": former, **{k: str(v) for k, v in moved.items()}},
    )
    for model in LINKED:  # the moved records are read again with their new firm
        for obj in list(session.identity_map.values()):
            if isinstance(obj, model):
                session.expire(obj)
    return Merged(target.id, source_id, moved)


@dataclass(frozen=True)
class Pair:
    first: Enterprise
    second: Enterprise


def near_duplicates(*, session: Session, actor: Actor, limit: int = 200) -> list[Pair]:
    """Firms in the actor's scope whose names differ only by place, brackets and legal form."""
    actor.require("enterprises:view")
    scope = visible(actor, Enterprise.org_unit_id, Enterprise.created_by_id)
    keys = (
        select(Enterprise.name_key)
        .where(scope)
        .group_by(Enterprise.name_key)
        .having(func.count() > 1)
        .limit(limit)
    )
    firms = session.scalars(
        select(Enterprise)
        .where(scope, Enterprise.name_key.in_(keys))
        .options(selectinload(Enterprise.org_unit))
        .order_by(Enterprise.name_key, Enterprise.id)
    )
    groups: dict[str, list[Enterprise]] = {}
    for firm in firms:
        groups.setdefault(firm.name_key, []).append(firm)
    return [Pair(g[0], other) for g in groups.values() for other in g[1:]][:limit]


def expiring(*, session: Session, actor: Actor, within: int = EXPIRING_DAYS) -> list[Qualification]:
    """Certificates in the actor's scope that end between today and `within` days from now, soonest first."""
    if not actor.can("enterprises:view"):
        return []
    day = today()
    return list(
        session.scalars(
            select(Qualification)
            .where(
                visible(actor, Qualification.org_unit_id, Qualification.created_by_id),
                Qualification.expires_on >= day,
                Qualification.expires_on <= day + timedelta(days=within),
            )
            .options(selectinload(Qualification.enterprise), selectinload(Qualification.org_unit))
            .order_by(Qualification.expires_on, Qualification.id)
            .limit(500)
        )
    )


def days_left(q: Qualification) -> int:
    return ((q.expires_on or date.max) - today()).days
