"""Word lists of the figure extractor: units, qualifiers and the words that make a number *not* a figure.

Everything that decides "is this a figure" by vocabulary lives here, so that a missed unit or a new
class word is a one-line change. See ../shared/eval/GUIDELINE.md for the definition these lists follow.
"""

from __future__ import annotations

import re
from decimal import Decimal

from shanhai.lib.cnnum import Qualifier


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Currencies: unit as written, except that 元/万元/亿元 are all "元" (the magnitude is split off).
CURRENCIES = ("美元", "欧元", "港元", "港币", "日元", "英镑", "卢布", "元")

# Measure words and physical units, written as the unit field keeps them. Longest match wins, so
# 人次 beats 人 and 平方公里 beats 公里; the regex below is built longest-first.
MEASURE_WORDS = _words(
    "人次 户次 家次 台次 场次 批次 架次 车次 班次 辆次 艘次 人天 工日 台套 课时 学时 标准箱 标箱 "
    "人 名 位 户 家 个 项 台 套 场 次 所 批 期 笔 封 辆 座 条 件 款 张 对 只 头 棵 株 本 册 部 架 艘 "
    "列 趟 栋 幢 处 宗 份 篇 门 类 种 支 起 例 片 块 根 盏 枚 颗 间 床 倍 轮 节"
)
PHYSICAL_UNITS = _words(
    "平方公里 平方千米 平方米 立方米 公顷 亩 公里 千米 米 吨 公斤 千克 克 斤 桶 "
    "千瓦时 兆瓦 吉瓦 千瓦 千伏安 千伏 微克/立方米 毫克/立方米"
)
RATIO_UNITS = ("个百分点", "百分点", "个基点", "基点", "%", "‰")
UNIT_ALIASES = {"个基点": "基点", "标箱": "标准箱"}

# Durations are optional figures at best, and 年/月/日 after a number are dates: never emit them.
DURATION_WORDS = ("个工作日", "个多月", "个半月", "个小时", "个星期", "个月")

# A unit followed by one of these is part of a longer noun, not a measure word (3项目 is "3 projects"
# without a measure word, which the guideline makes optional at best).
UNIT_WORD_CLASHES = frozenset(
    _words(
        "项目 期间 期限 期末 人民 个体 个性 对接 对口 对象 对于 场景 场馆 场地 场所 座谈 批发 批准 批复 "
        "家庭 家园 家乡 家长 户籍 户外 次日 名单 名称 部门 部分 门户 类型 种类 条件 件事 支持 起步 例如 "
        "片区 块状 头部 本地 本土 列车 所在 所有 所属 处理 处于 间隔 只有 只是 位于 位置 台阶 份额 元素"
    )
)

ALL_UNITS = tuple(sorted({*CURRENCIES, *MEASURE_WORDS, *PHYSICAL_UNITS, *RATIO_UNITS}, key=len, reverse=True))
_BY_LENGTH = sorted((*DURATION_WORDS, *ALL_UNITS), key=len, reverse=True)
UNIT_RE = re.compile("|".join(re.escape(u) for u in _BY_LENGTH))

# Qualifiers in front of the number. Single characters that also end ordinary words (签约, 通过,
# 最近) only count when the character before them is not one of the listed word-starters.
PREFIX_QUALIFIERS: dict[str, Qualifier] = {
    "不少于": Qualifier.OVER,
    "不低于": Qualifier.OVER,
    "不超过": Qualifier.UNDER,
    "不高于": Qualifier.UNDER,
    "至少": Qualifier.OVER,
    "约占": Qualifier.APPROX,
    "约为": Qualifier.APPROX,
    "超过": Qualifier.OVER,
    "突破": Qualifier.OVER,
    "将近": Qualifier.UNDER,
    "接近": Qualifier.UNDER,
    "不到": Qualifier.UNDER,
    "不足": Qualifier.UNDER,
    "大约": Qualifier.APPROX,
    "超": Qualifier.OVER,
    "逾": Qualifier.OVER,
    "过": Qualifier.OVER,
    "破": Qualifier.OVER,
    "近": Qualifier.UNDER,
    "约": Qualifier.APPROX,
}
PREFIX_BLOCKERS: dict[str, frozenset[str]] = {
    "约": frozenset("签履节制契相预特邀合公条集违守赴失践缔租解毁誓婚"),
    "近": frozenset("最附临靠亲贴逼"),
    "超": frozenset("赶高反"),
    "逾": frozenset(),
}
# 过 and 破 are qualifiers only before a bare magnitude (过万, 破亿) or right after these characters.
WEAK_PREFIX_AFTER = frozenset("，、。；：（(均已总额量值数规模达 \n")

INNER_QUALIFIERS: dict[str, Qualifier] = {"余": Qualifier.OVER, "多": Qualifier.OVER}
SUFFIX_QUALIFIERS: dict[str, Qualifier] = {
    "以上": Qualifier.OVER,
    "有余": Qualifier.OVER,
    "以下": Qualifier.UNDER,
    "以内": Qualifier.UNDER,
    "左右": Qualifier.APPROX,
    "上下": Qualifier.APPROX,
}
SUFFIX_RE = re.compile("|".join(SUFFIX_QUALIFIERS))

# Words right before a number that make it vague (数千, 几十, 上百) or not a count (第三, 每万人).
VAGUE_BEFORE = frozenset("数几上成")
NOT_COUNT_BEFORE = frozenset("第每之/+")
# After the figure: a class word (百亿级, 50亿元级), or a threshold naming a class of projects.
CLASS_AFTER_RE = re.compile(r"级|(?:以上|及以上)(?:的)?(?:重大|产业|工业|重点)?(?:项目|企业)")

MAGNITUDE_VALUES: dict[str, Decimal] = {
    "十": Decimal(10),
    "百": Decimal(100),
    "千": Decimal(1000),
    "万": Decimal(10**4),
    "亿": Decimal(10**8),
}
RANGE_MARKS = "-–—~～至到"
# Boundaries of the clause a subject is looked for in (not 、: 宝鸡市、玉树州农产品 is one subject).
CLAUSE_MARKS = frozenset('，,。；;：:！？!?\n\f（）()“”"《》【】')
