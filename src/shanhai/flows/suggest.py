"""Where a figure of an uploaded report belongs: the data element, org unit, period and programme suggested
for it, each ranked (the best three are kept) with the words that led there, read from the text around the
figure — its own clause first, then its sentence, its paragraph, the report's title, and the uploader.

Element: the element's name and its 同义词 (aliases) against the figure's own clause (the words before and
after the number up to the nearest comma) and, more weakly, its sentence; only elements whose unit fits
the figure's. A rate after 同比 / 增长 is a growth element, never a level, and a level is never a growth
element; a share (占比, 比重) is a share element. When the best is weak the figure is left without one
(无对应指标) rather than guessed. Org unit: the place or body named nearest before the figure in its clause
(after it when none is before), then in its sentence and paragraph, then the title, then the uploader's
unit. Period: documents.when. Programme: named (援疆, 苏陕协作 …), or implied by a kind of programme
(东西部协作) with a place, or by a place; from the clause out to the title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from shanhai.auth.scope import Actor, unit_visible
from shanhai.documents import when as when_
from shanhai.documents.extraction.figure import Figure
from shanhai.documents.spans import sentence_span
from shanhai.indicators.models import DataElement
from shanhai.indicators.service import same_unit
from shanhai.lib import periods
from shanhai.orgunits.models import OrgUnit
from shanhai.programmes.models import Place, Programme

PARAGRAPH = 1000  # characters before a figure that its paragraph may reach back (a line without breaks)
OPENING = 600  # characters at the start of a report that say what it is about
SECTION = 2000  # characters before a paragraph that its section's heading may stand
FULL_STOPS = "。！？!?\n"  # a sentence's end for the time it speaks of (； goes on with the same time)
CLAUSE_ENDS = "，,、；;。！？!?：:\n（）()"  # 医生6名、教师9名: each figure its own clause
TOP = 3
WEAK = 0.45  # an element scoring less is not preselected (无对应指标) …
WEAKEST = 0.3  # … but still listed among the best three down to this
OTHER_NOUN = 0.5  # the factor for an element whose words the noun after the number shares none of
COUNTED = re.compile(r"[\u4e00-\u9fff]{2,4}")  # the noun right after a number: 4名党政干部
GROUP_BONUS = 0.3  # an element whose group the title names (工作组月报) goes before its like
UNIT_SUFFIXES = ("维吾尔自治区", "自治区", "自治州", "市", "县", "区", "州", "省")
FILLER = re.compile(
    r"[\W\d_a-zA-Z]|其中|共计|合计|累计|分别|达到|实现|完成|以来|同期|本级|全区|全市|共|约|达|为|超|近|余|多"
)
# a figure still to be reached (计划安排, 力争, 目标); 完成/实现 before the word makes it an actual again
TARGET_WORDS = re.compile(r"(?<!完成)(?<!实现)(?<!占)(?:计划|目标|力争|预计|任务|拟|确保|打算)(?!的|数)")
DONE_WORDS = re.compile(r"已|完成|实现了|累计")  # after a target word: what was done, not planned
PLAN_HEADING = re.compile(r"计划|打算|思路|安排|目标|展望|下一步|下步")
HEADING = re.compile(  # 二、2026年工作计划 / （三）下一步打算 / 3. 下月安排: a short line of its own
    r"^\s*(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+[.、])(?P<text>[^。\n]{0,24})$", re.M
)
GROWTH_WORDS = re.compile(r"同比|增长|增速|增幅|提高|下降|降幅|回落|上升")
SHARE_WORDS = re.compile(r"占比|比重|占全|占到|比例")
# a campaign takes the figures of its own elements only (by the element's group)
CAMPAIGN_GROUPS = {"招商引资": {"招商引资"}, "科技创新": {"科技创新", "科技金融"}}
# what a programme's kind is called in reports, and the words that name one programme outright
KIND_WORDS = {
    "东西部协作": "东西部协作",
    "对口帮扶": "对口帮扶",
    "对口合作": "对口合作",
    "对口支援": "对口支援",
    "招商": "招商引资",
    "科技": "科技创新",
}


# how reports shorten the names of development zones and work groups
ZONE_SHORT = (("经济技术开发区", "经开区"), ("高新技术产业开发区", "高新区"), ("高新技术开发区", "高新区"))


def _short_names(name: str, root: str | None) -> list[str]:
    """How reports also write a unit's name: 奎屯市 → 奎屯; 徐州经济技术开发区 → 经济技术开发区, 经开区;
    第十一批…奎屯市工作组 → 工作组; 市科技局 stays."""
    out = []
    suffix = next((x for x in UNIT_SUFFIXES if name.endswith(x) and len(name) - len(x) >= 2), None)
    if suffix:
        out.append(name[: -len(suffix)])
    for prefix in filter(None, (root, root[:-1] if root and root.endswith("市") else None)):
        if name.startswith(prefix) and len(name) - len(prefix) >= 3:
            out.append(name[len(prefix) :])
    for long, short in ZONE_SHORT:
        if name.endswith(long):
            out.append(short)
    if name.endswith("工作组") and len(name) > 3:
        out.append("工作组")
    return out


def target_word(around: Around) -> str | None:
    """The words that make a figure a target: a target word before it in its sentence with nothing done
    since (全年计划安排…8970万元，已拨付…5000万元: the second is paid), or a heading of its section that
    announces plans (二、2026年工作计划)."""
    found = None
    for match in TARGET_WORDS.finditer(around.sentence_before):
        found = match
    if found is not None and not DONE_WORDS.search(around.sentence_before[found.end() :]):
        return found.group(0)
    return around.heading.strip() if PLAN_HEADING.search(around.heading) else None


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1) if not any(ch.isspace() for ch in text[i : i + 2])}


@dataclass(frozen=True)
class Option:
    id: int | str
    why: str
    score: float = 0.0


@dataclass(frozen=True)
class Suggestion:
    kind: str  # actual or target
    element_id: int | None
    unit_id: int | None
    period_id: str | None
    programme_id: int | None
    reason: str
    options: dict[str, list[Option]] = field(default_factory=dict)  # field → the best TOP, best first


@dataclass(frozen=True)
class Around:
    """The text around one figure, from the nearest outwards."""

    before: str  # its clause up to the figure
    after: str  # its clause after the figure
    sentence: str
    sentence_before: str
    paragraph_before: str  # the paragraph up to the sentence (bounded)
    title: str
    opening: str  # the report's opening: what it is about as a whole
    heading: str  # the heading of its section (二、2026年工作计划), if one stands within SECTION before
    time_before: str  # its whole sentence up to it, across ； (2026年，力争…；新增…50家: 2026)

    @staticmethod
    def of(text: str, figure: Figure, title: str) -> Around:
        s_start, s_end = sentence_span(text, figure.start, figure.end)
        c_start = max((text.rfind(ch, s_start, figure.start) for ch in CLAUSE_ENDS), default=-1) + 1
        c_start = max(c_start, s_start)
        ends = [i for i in (text.find(ch, figure.end, s_end) for ch in CLAUSE_ENDS) if i >= 0]
        c_end = min(ends, default=s_end)
        p_floor = max(0, s_start - PARAGRAPH)
        p_start = max(text.rfind("\n", p_floor, s_start) + 1, p_floor)
        headings = list(HEADING.finditer(text, max(0, p_start - SECTION), p_start))
        t_start = max(p_start, *(text.rfind(stop, p_start, figure.start) + 1 for stop in FULL_STOPS))
        return Around(
            before=text[c_start : figure.start],
            after=text[figure.end : c_end],
            sentence=text[s_start:s_end],
            sentence_before=text[s_start : figure.start],
            paragraph_before=text[p_start:s_start],
            title=title,
            opening=text[:OPENING],
            heading=headings[-1].group("text") if headings else "",
            time_before=text[t_start : figure.start],
        )


class Suggester:
    """Reads the product's elements, units and programmes once per document."""

    def __init__(self, session: Session, actor: Actor) -> None:
        # every element may be suggested: a figure accepted for one that a register or a data set keeps
        # becomes a claim (reconciled with the records), never a value beside them
        self.elements = list(session.scalars(select(DataElement).order_by(DataElement.id)))
        self.by_id = {e.id: e for e in self.elements}
        # each element's words (its name, then its 同义词) with their bigrams, made once per document
        self.terms = {
            e.id: [(t, _bigrams(t)) for t in (e.name, *(a for a in (e.aliases or "").split("、") if a))]
            for e in self.elements
        }
        names: dict[str, OrgUnit] = {}
        root = session.scalar(select(OrgUnit.name).where(OrgUnit.parent_id.is_(None)).order_by(OrgUnit.id))
        units = session.scalars(select(OrgUnit).where(OrgUnit.closed.is_(False)).order_by(OrgUnit.level))
        for unit in units:
            if not unit_visible(actor, unit):
                continue
            for name in (unit.name, *_short_names(unit.name, root)):
                names.setdefault(name, unit)
        places = list(session.scalars(select(Place)))
        for place in places:
            if unit_visible(actor, place.org_unit):
                names.setdefault(place.name, place.org_unit)
        self.units = names
        self.unit_pattern = re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)))
        self.programmes = list(session.scalars(select(Programme).order_by(Programme.sort_order)))
        words: dict[str, Programme] = {}
        self.programmes_of_unit: dict[int, list[Programme]] = {}
        for p in self.programmes:
            for word in (p.short_name, p.name):
                words.setdefault(word, p)
            for place in p.places:
                self.programmes_of_unit.setdefault(place.org_unit_id, []).append(p)
        self.programme_words = sorted(words.items(), key=lambda wp: -len(wp[0]))  # longest first
        self.default_unit = session.get(OrgUnit, actor.org_unit_id) if actor.org_unit_id else None

    def speaks(self, clause: str) -> bool:
        """Whether a clause says what is counted: one naming only a place or a time (奎屯市3200万元、兴海县
        1500万元) takes its sentence's words."""
        residue = when_.WHEN.sub("", self.unit_pattern.sub("", clause) if self.units else clause)
        return len(FILLER.sub("", residue)) >= 2

    # --- element ---------------------------------------------------------------------------------------

    def elements_for(self, figure: Figure, around: Around) -> list[Option]:
        own = around.before + figure.subject + around.after
        speaks = self.speaks(own)
        noun = COUNTED.match(around.after)
        counted = _bigrams(noun.group(0)) if noun else set()
        # a clause that does not say what it counts (1—9月累计1864万元) continues the sentence before it
        sentence = around.sentence if speaks else around.paragraph_before[-80:] + around.sentence
        own_grams, sentence_grams = _bigrams(own), _bigrams(sentence)
        wider_grams = _bigrams(around.paragraph_before[-200:] + around.title)
        near = around.before[-10:]
        growth = figure.unit in ("%", "个百分点") and bool(GROWTH_WORDS.search(near))
        share = figure.unit == "%" and bool(SHARE_WORDS.search(near)) and not growth
        scored: list[Option] = []
        for element in self.elements:
            if not same_unit(element.unit, figure.unit):
                continue
            is_growth = bool(GROWTH_WORDS.search(element.name))
            is_share = bool(SHARE_WORDS.search(element.name))
            if figure.unit in ("%", "个百分点") and (growth != is_growth or share != is_share):
                continue  # a rate is not a level, a share not a growth
            best, why = 0.0, ""
            for term, grams in self.terms[element.id]:
                if not grams or (speaks and not grams & own_grams):
                    continue  # a clause that speaks of something must speak of this
                if term in own:
                    score, said = 1.0 + len(term) / 100, f"本句“{term}”"
                elif term in sentence:
                    score, said = 0.7 + len(term) / 100, f"本句“{term}”"
                else:
                    # each two characters of the term: in the clause, the sentence, or only around it
                    weights = [
                        1.0
                        if g in own_grams
                        else 0.6
                        if g in sentence_grams
                        else 0.3
                        if g in wider_grams
                        else 0
                        for g in grams
                    ]
                    score = sum(weights) / len(grams)
                    said = f"与“{term}”相近（{''.join(sorted(grams & own_grams))[:12]}）"
                if score > best:
                    best, why = score, said
            if counted and not any(grams & counted for _, grams in self.terms[element.id]):
                best *= OTHER_NOUN  # 选派4名党政干部: what follows the number is not what the element counts
            if best >= WEAKEST:
                if best >= WEAK and element.group and element.group in around.title:  # 月报's own, in 月报
                    best, why = best + GROUP_BONUS, f"{why}，标题为“{element.group}”"
                unsure = "" if best >= WEAK else "（把握不大，不预选）"
                scored.append(
                    Option(element.id, f"单位“{figure.unit}”相符，{why} → {element.name}{unsure}", best)
                )
        scored.sort(key=lambda o: -o.score)
        return scored[:TOP]

    # --- org unit --------------------------------------------------------------------------------------

    def units_for(self, around: Around) -> list[Option]:
        found: list[Option] = []
        seen: set[int] = set()

        def add(unit: OrgUnit, why: str) -> None:
            if unit.id not in seen:
                seen.add(unit.id)
                found.append(Option(unit.id, why))

        regions = (
            (around.before, "本句", True),
            (around.after, "本句", False),
            (around.sentence_before, "本句", True),
            (around.paragraph_before, "本段", True),
            (around.title, "标题", False),
        )
        for region, label, nearest_last in regions:
            matches = list(self.unit_pattern.finditer(region)) if region and self.units else []
            for m in reversed(matches) if nearest_last else matches:
                add(self.units[m.group(0)], f"{label}提到“{m.group(0)}”")
        if self.default_unit is not None:
            add(self.default_unit, f"未提到单位，默认上传者所在的“{self.default_unit.name}”")
        return found[:TOP]

    # --- programme -------------------------------------------------------------------------------------

    def programmes_for(
        self, around: Around, units: list[Option], element: DataElement | None
    ) -> list[Option]:
        """Named (援疆, 苏陕协作, or a kind with one of its places) from the clause out to the opening; a
        place of several programmes (宝鸡: 苏陕协作 and 对口帮扶) waits for wider words to choose between
        them. A campaign (招商引资, 科技创新) takes only figures of its own elements, unless the figure's own
        sentence names it."""
        place_ids = {int(u.id) for u in units}
        regions = (
            (around.before + around.after, "本句", True),
            (around.sentence, "本句", True),
            (around.paragraph_before, "本段", False),
            (around.title, "标题", False),
            (around.opening, "报告开头", False),
        )
        ambiguous: list[tuple[Programme, str]] = []
        for region, label, near in regions:
            named: list[tuple[Programme, str]] = []
            for word, p in self.programme_words:
                if word in region:
                    named.append((p, f"{label}提到“{word}”"))
            for word, kind in KIND_WORDS.items():
                if word in region:
                    of_kind = [p for p in self.programmes if p.kind == kind]
                    placed = [p for p in of_kind if any(pl.org_unit_id in place_ids for pl in p.places)]
                    named += [
                        (p, f"{label}提到“{word}”") for p in placed or (of_kind if len(of_kind) == 1 else [])
                    ]
            for m in self.unit_pattern.finditer(region) if self.units else ():
                of_place = self.programmes_of_unit.get(self.units[m.group(0)].id, [])
                why = f"{label}提到“{m.group(0)}”"
                if len(of_place) == 1:
                    named.append((of_place[0], why))
                else:
                    ambiguous += [(p, f"{why}（{p.short_name}）") for p in of_place]
            named = [(p, why) for p, why in named if near or self._takes(p, element)]
            if ambiguous and named:  # wider words choose among a place's programmes
                chosen = [(p, why) for p, why in named if p in {a for a, _ in ambiguous}]
                named = chosen + [(p, why) for p, why in ambiguous if p not in {c for c, _ in chosen}]
            if named:
                return self._ranked(named)
        return self._ranked(ambiguous)

    @staticmethod
    def _takes(programme: Programme, element: DataElement | None) -> bool:
        groups = CAMPAIGN_GROUPS.get(programme.kind)
        return groups is None or (element is not None and element.group in groups)

    @staticmethod
    def _ranked(found: list[tuple[Programme, str]]) -> list[Option]:
        out: list[Option] = []
        for p, why in found:
            if all(o.id != p.id for o in out):
                out.append(Option(p.id, why))
        return out[:TOP]

    # --- the figure ------------------------------------------------------------------------------------

    def suggest(self, text: str, figure: Figure, report: when_.When, title: str = "") -> Suggestion:
        """The suggestion for one figure of `text` (read through hanzi.simplified: 蘇科貸 is 苏科贷)."""
        around = Around.of(text, figure, title)
        elements = self.elements_for(figure, around)
        units = self.units_for(around)
        when, label = when_.last_in(around.time_before, report), "句中"
        if when is None:
            when, label = report, "报告期"
        said = f"“{when.words}”" if when.words else ""
        cumulative = "（年初至该月累计）" if when.ytd else ""
        period = Option(when.period, f"{label}{said} → {periods.name_of(when.period)}{cumulative}")
        chosen = elements[0] if elements and elements[0].score >= WEAK else None
        programmes = self.programmes_for(around, units, self.by_id[int(chosen.id)] if chosen else None)
        target = target_word(around)
        reasons = [
            chosen.why if chosen else "无对应指标：上下文与各数据元的名称、同义词都不相符",
            units[0].why if units else "未提到单位",
            period.why,
            programmes[0].why if programmes else "未提到协作计划",
            *([f"“{target}” → 目标值"] if target else []),
        ]
        return Suggestion(
            kind="target" if target else "actual",
            element_id=int(chosen.id) if chosen else None,
            unit_id=int(units[0].id) if units else None,
            period_id=str(period.id),
            programme_id=int(programmes[0].id) if programmes else None,
            reason="；".join(reasons)[:500],
            options={"element": elements, "org_unit": units, "period": [period], "programme": programmes},
        )
