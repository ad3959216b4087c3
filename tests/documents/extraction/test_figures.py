"""The extractor on the hard cases of issue 13, one rule per test, plus property tests on offsets."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shanhai.documents.extraction import Figure, extract_figures
from shanhai.lib.cnnum import Qualifier, format_money, format_quantity, parse_quantity, to_chinese_integer


def found(text: str) -> list[tuple[str, Decimal, str, str]]:
    return [(f.text, f.value, f.unit, f.qualifier.value) for f in extract_figures(text)]


def one(text: str) -> Figure:
    figures = extract_figures(text)
    assert len(figures) == 1, figures
    return figures[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("总产值突破45亿元。", ("45亿元", 4500000000, "元", "over")),
        ("销售额超4000万元。", ("4000万元", 40000000, "元", "over")),
        ("带动就业超过5000人。", ("5000人", 5000, "人", "over")),
        ("新增贷款逾8亿元。", ("8亿元", 800000000, "元", "over")),
        ("累计发放近10亿元。", ("10亿元", 1000000000, "元", "under")),
        ("覆盖农户不足600户。", ("600户", 600, "户", "under")),
        ("建成大棚将近400座。", ("400座", 400, "座", "under")),
        ("接待游客约120万人次。", ("120万人次", 1200000, "人次", "approx")),
        ("接诊患者大约3500人次。", ("3500人次", 3500, "人次", "approx")),
        ("备件本地供应90%以上。", ("90%", 90, "%", "over")),
        ("年增收2.8万元以上。", ("2.8万元", 28000, "元", "over")),
        ("培训农民工3000人左右。", ("3000人", 3000, "人", "approx")),
        ("预计增收30万元上下。", ("30万元", 300000, "元", "approx")),
        ("接诊1万余人次。", ("1万余人次", 10000, "人次", "over")),
        ("开展手术900余台次。", ("900余台次", 900, "台次", "over")),
        ("20多所中小学参与。", ("20多所", 20, "所", "over")),
        ("创造2万多个岗位。", ("2万多个", 20000, "个", "over")),
        ("发放补贴2000余万元。", ("2000余万元", 20000000, "元", "over")),
        ("完成投资1.2亿余元。", ("1.2亿余元", 120000000, "元", "over")),
        ("走访企业5千余家次。", ("5千余家次", 5000, "家次", "over")),
        ("确保引进重大项目不少于15个。", ("15个", 15, "个", "over")),
        ("单笔贷款不超过300万元。", ("300万元", 3000000, "元", "under")),
    ],
)
def test_qualifiers_before_inside_and_after(text: str, expected: tuple[str, int, str, str]) -> None:
    figure = one(text)
    assert (figure.text, figure.value, figure.unit, figure.qualifier.value) == expected
    assert text[figure.start : figure.end] == figure.text


def test_a_qualifier_in_front_of_a_list_covers_every_item() -> None:
    assert found("销售额分别突破3000万元、2500万元和1800万元，另有900万元。") == [
        ("3000万元", 30000000, "元", "over"),
        ("2500万元", 25000000, "元", "over"),
        ("1800万元", 18000000, "元", "over"),
        ("900万元", 9000000, "元", "exact"),
    ]
    assert [f.qualifier.value for f in extract_figures("发行26笔、超180亿元，参与14笔。")] == [
        "exact",
        "over",
        "exact",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("服务科技型中小企业超千家。", ("千家", 1000, "家", "over")),
        ("新增就业岗位近千个。", ("千个", 1000, "个", "under")),
        ("开展活动百余场。", ("百余场", 100, "场", "over")),
        ("专精特新企业累计超百家。", ("百家", 100, "家", "over")),
        ("人口过万人的镇。", ("万人", 10000, "人", "over")),
    ],
)
def test_digitless_amounts_with_a_qualifier(text: str, expected: tuple[str, int, str, str]) -> None:
    figure = one(text)
    assert (figure.text, figure.value, figure.unit, figure.qualifier.value) == expected


@pytest.mark.parametrize(
    "text",
    [
        "力争招引百亿级项目。",
        "培育超百亿元级、超50亿元级企业。",
        "打造千亿级产业集群，跻身万亿级城市。",
        "打造一千亿级绿色低碳产业集群。",
        "力争新开工10亿元以上项目，谋划亿元以上项目。",
        "千家万户，万人空巷，千山万水。",
        "贷款规模跨上千亿新台阶，数千人参与，上百家企业。",
        "第十一批援疆干部，第八年，第63个纪念日，第四期债券，首例手术。",
        "2025年1月30日，2028年至2030年间，今年2月，3—5月。",
        "“十四五”期间，“十五五”开局，“1+3”功能区，“2+3”产业体系，“343”集群。",
        "“1号工程”，5G基站，TⅧ段，G30高速，世界500强，民营企业50强。",
        "一批项目，一系列举措，一站式服务，一个岗位，一名学生，七个一行动，三对工作，两地交往。",
        "居全省第二位，第四、第五位，前10名企业。",
        "23年来，7年间，24小时，十分钟，18个月，不到四个月。",
        "实现高新技术企业1/3有合作、2/3有服务，占据全国五分之一市场，用时减少一半。",
        "签约项目，通过验收，十分重要，近年来，最近，三公里半零工市场。",
    ],
)
def test_not_figures(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("百亿级项目2个、50亿级项目3个。", [("2个", 2, "个", "exact"), ("3个", 3, "个", "exact")]),
        ("超百亿元级、超50亿元级企业各1家。", [("1家", 1, "家", "exact")]),
        ("平均利率下降62个基点。", [("62个基点", 62, "基点", "exact")]),
        ("组织外出招商50批次。", [("50批次", 50, "批次", "exact")]),
        ("企业参展280家次。", [("280家次", 280, "家次", "exact")]),
        ("176对师徒结对。", [("176对", 176, "对", "exact")]),
        ("服务群众3.6万人次。", [("3.6万人次", 36000, "人次", "exact")]),
        (
            "增速高于上半年1.8个百分点，占比14.64%。",
            [
                ("1.8个百分点", Decimal("1.8"), "个百分点", "exact"),
                ("14.64%", Decimal("14.64"), "%", "exact"),
            ],
        ),
        ("签署4亿美元协议。", [("4亿美元", 400000000, "美元", "exact")]),
        (
            "新增装机容量50万千瓦，年产5千克。",
            [("50万千瓦", 500000, "千瓦", "exact"), ("5千克", 5, "千克", "exact")],
        ),
        ("建设1,260名教师队伍。", [("1,260名", 1260, "名", "exact")]),
        ("占比３８．６％。", [("３８．６％", Decimal("38.6"), "%", "exact")]),
    ],
)
def test_units_and_class_words(text: str, expected: list[tuple[str, object, str, str]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("新增工业企业一百二十家。", ("一百二十家", 120, "家", "exact")),
        ("建成研发平台三十五个。", ("三十五个", 35, "个", "exact")),
        ("引进人才一千二百余人。", ("一千二百余人", 1200, "人", "over")),
        ("惠及群众两万人次。", ("两万人次", 20000, "人次", "exact")),
        ("争取资金两千余万元。", ("两千余万元", 20000000, "元", "over")),
        ("另有十五亿元用于民生。", ("十五亿元", 1500000000, "元", "exact")),
        ("把百分之三十的资金用于产业。", ("百分之三十", 30, "%", "exact")),
    ],
)
def test_chinese_numerals(text: str, expected: tuple[str, int, str, str]) -> None:
    figure = one(text)
    assert (figure.text, figure.value, figure.unit, figure.qualifier.value) == expected


def test_small_chinese_counts_are_left_out() -> None:
    """Optional in the guideline (两家配套企业, 五个方面); an article (一个) is never a figure."""
    assert found("两家配套企业，五个方面，十几个村，三四家企业。") == []


@pytest.mark.parametrize(
    ("text", "low", "high", "unit"),
    [
        ("引进企业2–3家。", 2, 3, "家"),
        ("50亿级项目2—3个。", 2, 3, "个"),
        ("新建厂房10至15万平方米。", 100000, 150000, "平方米"),
        ("带动就业300～500人。", 300, 500, "人"),
        ("总投资5-8亿元。", 500000000, 800000000, "元"),
        ("引入设备150台至200台。", 150, 200, "台"),
        ("年均增长6%—8%。", 6, 8, "%"),
        ("节约1000到1200万元。", 10000000, 12000000, "元"),
        ("补贴8000至1万元。", 8000, 10000, "元"),
    ],
)
def test_ranges_are_one_figure(text: str, low: int, high: int, unit: str) -> None:
    figure = one(text)
    assert (figure.value, figure.value_max, figure.unit) == (low, high, unit)
    assert figure.to_record()["value_max"] == high


def test_consecutive_figures_are_not_a_range() -> None:
    assert found("由65万桶提升至140万桶，从3家增加到5家，下降0.5个百分点至38.6%。") == [
        ("65万桶", 650000, "桶", "exact"),
        ("140万桶", 1400000, "桶", "exact"),
        ("3家", 3, "家", "exact"),
        ("5家", 5, "家", "exact"),
        ("0.5个百分点", Decimal("0.5"), "个百分点", "exact"),
        ("38.6%", Decimal("38.6"), "%", "exact"),
    ]


@pytest.mark.parametrize(
    ("text", "span", "value"),
    [
        ("审批通过200万\n\n元纯信用贷款", "200万\n\n元", 2000000),
        ("参与14笔共110余亿\n\n元，", "110余亿\n\n元", 11000000000),
        ("完成投资45.6\n亿元，", "45.6\n亿元", 4560000000),
        ("贷款余额3.\n75亿元，", "3.\n75亿元", 375000000),
        ("产值突破100\f亿元。", "100\f亿元", 10000000000),
        ("惠及企业2000余\n\n家。", "2000余\n\n家", 2000),
    ],
)
def test_a_page_break_inside_a_figure(text: str, span: str, value: int) -> None:
    figure = extract_figures(text)[-1]
    assert (figure.text, figure.value) == (span, value)


def test_subject_is_the_clause_before_or_the_words_after() -> None:
    first, second = extract_figures("这一年，1.18亿元援疆资金到位。苏陕劳务协作招聘洽谈会举办14场次。")
    assert first.subject == "援疆资金到位"
    assert "招聘洽谈会" in second.subject


def test_list_items_share_a_subject_and_numbers_before_nouns_look_right() -> None:
    figures = extract_figures(
        "采购帮销宝鸡市、玉树州农产品分别达4.45亿元、505.3万元；1.18亿元援疆资金、3693万元援青资金。"
    )
    assert [f.subject for f in figures] == ["采购帮销宝鸡市、玉树州农产品"] * 2 + ["援疆资金", "援青资金"]


def test_record_matches_the_shared_format() -> None:
    record = one("投资1.6亿元").to_record()
    assert record == {
        "start": 2, "end": 7, "text": "1.6亿元", "value": 160000000, "unit": "元", "qualifier": "exact",
        "subject": "投资",
    }  # fmt: skip


_ALPHABET = "0123456789.,%一二两三十百千万亿零余多超近约以上左右个人家元万吨第年月至—、，。\n \f级百分之点基"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=60))
def test_offsets_always_point_at_the_figure_text(text: str) -> None:
    previous_end = 0
    for figure in extract_figures(text):
        assert text[figure.start : figure.end] == figure.text
        assert previous_end <= figure.start < figure.end
        assert figure.value_max is None or figure.value_max >= figure.value
        previous_end = figure.end


_UNITS = ["元", "美元", "人", "人次", "家", "个", "项", "场次", "吨", "亩", "%", "个百分点", "基点"]


@settings(max_examples=300, deadline=None)
@given(
    st.integers(min_value=1, max_value=99_999),
    st.integers(min_value=0, max_value=6),
    st.sampled_from(_UNITS),
    st.sampled_from(list(Qualifier)),
)
def test_the_display_form_reads_back_as_cnnum_reads_it(n: int, scale: int, unit: str, q: Qualifier) -> None:
    """format_quantity (cnnum) → text → extractor gives what cnnum.parse_quantity gives."""
    value = Decimal(n) / 10 if unit in ("%", "个百分点", "基点") else Decimal(n) * Decimal(10) ** scale
    written = format_quantity(value, unit, q)
    expected = parse_quantity(written)
    figure = one(f"全年完成{written}，")
    assert (figure.value, figure.unit, figure.qualifier) == (expected.value, expected.unit, q), written


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=10**13), st.sampled_from(["元", "美元"]))
def test_money_written_in_full_reads_back_exactly(cents: int, currency: str) -> None:
    value = Decimal(cents) / 100
    written = format_money(value, places=None, currency=currency)
    figure = one(f"投资{written}。")
    assert (figure.value, figure.unit) == (value, currency), written


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=10, max_value=10**12))
def test_chinese_numerals_round_trip(n: int) -> None:
    written = to_chinese_integer(n)
    figure = one(f"新增{written}家，")
    assert figure.value == n, written


def test_signs_codes_and_approximate_shares() -> None:
    assert found("增长-3.5%，约占30%，G3-5个，共约1200人。") == [
        ("-3.5%", Decimal("-3.5"), "%", "exact"),
        ("30%", 30, "%", "approx"),
        ("1200人", 1200, "人", "approx"),
    ]


def test_traditional_characters_and_the_small_percent_sign_are_read() -> None:
    """Public text nobody here wrote: 億 and 萬 are magnitudes, 個 and 場 measure words, ﹪ a percent sign —
    read through lib.hanzi, one character for one, so the spans are the text's own."""
    text = (
        "全年累計投放「蘇科貸」5.2億元，支持企業146家次，舉辦對接活動28場，"
        "新增3800萬元，增長12.5﹪，共5個項目。"
    )
    found = {f.text: (f.value, f.unit) for f in extract_figures(text)}
    assert found == {
        "5.2億元": (Decimal("520000000"), "元"),
        "146家次": (Decimal("146"), "家次"),
        "28場": (Decimal("28"), "场"),
        "3800萬元": (Decimal("38000000"), "元"),
        "12.5﹪": (Decimal("12.5"), "%"),
        "5個": (Decimal("5"), "个"),
    }
    assert all(text[f.start : f.end] == f.text for f in extract_figures(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("补贴500元/人。", [("500元/人", "500", "元/人")]),
        ("人口密度1480人/平方公里。", [("1480人/平方公里", "1480", "人/平方公里")]),
        ("产能30万吨/年。", [("30万吨/年", "300000", "吨/年")]),
        ("分别提高2.5和1.8个百分点。", [("2.5", "2.5", "个百分点"), ("1.8个百分点", "1.8", "个百分点")]),
        ("分别为3.2、1.5万元。", [("3.2", "32000", "元"), ("1.5万元", "15000", "元")]),
        ("2025和2026年", []),  # years: no 分别, no shared unit
        ("5/6号线", []),
    ],
)
def test_a_unit_per_another_and_a_unit_shared_by_two_numbers(
    text: str, expected: list[tuple[str, ...]]
) -> None:
    assert [(f.text, str(f.value), f.unit) for f in extract_figures(text)] == expected
