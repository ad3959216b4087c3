"""Excel in: one pipeline for every register, through the register kit — every problem at its row and
column, all rows or none, a second import of the same file updates instead of duplicating, the importer's
scope row by row, files that are not what they say refused, and the derived figures follow."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shanhai.audit.models import AuditLog
from shanhai.enterprises.models import Enterprise, Support
from shanhai.errors import Forbidden, Invalid
from shanhai.imports import pipeline, sheets, template
from shanhai.lib import uscc
from shanhai.operations.models import FundPlan
from shanhai.registers import catalogue
from tests.conftest import actor_of


def _code(n: int) -> str:
    head = f"91320302MA1{n:06d}"
    return head + uscc.check_character(head)


def _xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


FIRMS = ["企业名称*", "统一社会信用代码", "所在区县/园区", "成立日期", "企业规模"]


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_every_mistake_is_listed_at_its_row_and_column_and_nothing_is_written(session: Session) -> None:
    admin = actor_of(session, "city_admin")
    data = _xlsx(
        [
            FIRMS,
            ["导入甲科技有限公司", _code(1), "泉山区", date(2020, 5, 1), "小型"],
            ["导入乙科技有限公司", "91320302MA1000002X", "泉山区", "2021/3/4", "小型"],  # wrong check
            ["导入丙科技有限公司", _code(3), "不存在区", "2021-03-04", "小型"],  # no such unit
            ["导入丁科技有限公司", _code(4), "泉山区", "2021-02-30", "巨型"],  # bad date and size
        ]
    )
    before = _count(session, Enterprise)
    outcome = pipeline.run(
        session=session, actor=admin, kind="enterprises", file_name="a.xlsx", data=data, commit=True
    )
    assert not outcome.committed and outcome.rows == 4
    found = {(p.row, p.column) for p in outcome.problems}
    assert (3, "统一社会信用代码") in found and (4, "所在区县/园区") in found, outcome.problems
    assert (5, "成立日期") in found or (5, "企业规模") in found, outcome.problems
    assert all(p.message for p in outcome.problems)
    assert "第 18 位" in next(p.message for p in outcome.problems if p.row == 3)
    assert _count(session, Enterprise) == before  # the good first row was undone with the rest


def test_a_clean_file_imports_once_and_a_second_time_changes_nothing(session: Session) -> None:
    admin = actor_of(session, "city_admin")
    rows = [FIRMS] + [
        [f"导入测试{n}科技有限公司", _code(n), "泉山区", 43_922 + n, "小型"] for n in range(10, 15)
    ]
    data = _xlsx(rows)
    preview = pipeline.run(
        session=session, actor=admin, kind="enterprises", file_name="f.xlsx", data=data, commit=False
    )
    assert (len(preview.created), preview.problem_count, preview.committed) == (5, 0, False)
    assert (
        session.scalar(select(func.count()).where(Enterprise.name.like("导入测试%"))) == 0
    )  # a preview only
    done = pipeline.run(
        session=session, actor=admin, kind="enterprises", file_name="f.xlsx", data=data, commit=True
    )
    assert (len(done.created), done.committed) == (5, True)
    firm = session.scalars(select(Enterprise).where(Enterprise.credit_code == _code(10))).one()
    assert firm.founded_on == date(2020, 4, 11)  # the Excel serial 43932 read as its day
    again = pipeline.run(
        session=session, actor=admin, kind="enterprises", file_name="f.xlsx", data=data, commit=True
    )
    assert (len(again.created), len(again.updated), len(again.unchanged)) == (0, 0, 5)
    rows[1][4] = "中型"
    changed = pipeline.run(
        session=session, actor=admin, kind="enterprises", file_name="g.xlsx", data=_xlsx(rows), commit=True
    )
    assert (len(changed.created), len(changed.updated), len(changed.unchanged)) == (0, 1, 4)
    assert session.scalar(select(func.count()).where(Enterprise.name.like("导入测试%"))) == 5
    summary = session.scalars(
        select(AuditLog).where(AuditLog.action == "导入").order_by(AuditLog.id.desc())
    ).first()
    assert summary is not None and "g.xlsx" in summary.summary and changed.sha256 in str(summary.after)


def test_the_same_record_twice_in_one_file_is_a_problem(session: Session) -> None:
    admin = actor_of(session, "city_admin")
    data = _xlsx([FIRMS, ["重复甲有限公司", _code(21), "泉山区"], ["重复甲有限公司", _code(21), "泉山区"]])
    outcome = pipeline.run(
        session=session, actor=admin, kind="enterprises", file_name="d.xlsx", data=data, commit=True
    )
    assert [(p.row, "第 2 行" in p.message) for p in outcome.problems] == [(3, True)], outcome.problems


def test_a_csv_in_gbk_with_amounts_as_officials_write_them_and_the_figures_follow(session: Session) -> None:
    admin = actor_of(session, "city_admin")
    firm = pipeline.run(
        session=session,
        actor=admin,
        kind="enterprises",
        file_name="firm.csv",
        data=f"企业名称,统一社会信用代码,所在区县/园区\n导入贷款科技有限公司,{_code(31)},泉山区\n".encode(
            "gbk"
        ),
        commit=True,
    )
    assert firm.committed, firm.problems
    text = (
        "企业,支持类型,产品/项目,金额（万元）,放款/拨付日期\n"
        f"{_code(31)},贷款,苏科贷,１２０,2025-06-30\n"  # full-width digits in a 万元 column
        "导入贷款科技有限公司,贷款,苏科贷,1.5万,2025/7/1\n"  # by name; 1.5万 as written
    )
    outcome = pipeline.run(
        session=session,
        actor=admin,
        kind="support",
        file_name="loans.csv",
        data=text.encode("gb18030"),
        commit=True,
    )
    assert outcome.committed, outcome.problems
    amounts = sorted(session.scalars(select(Support.amount).where(Support.id.in_(outcome.created))))
    assert amounts == [Decimal("15000.00"), Decimal("1200000.00")]


def test_a_row_outside_the_importers_scope_is_a_problem_at_its_row(session: Session) -> None:
    officer = actor_of(session, "quanshan_officer")
    data = _xlsx(
        [FIRMS, ["范围内科技有限公司", _code(41), "泉山区"], ["范围外科技有限公司", _code(42), "鼓楼区"]]
    )
    outcome = pipeline.run(
        session=session, actor=officer, kind="enterprises", file_name="s.xlsx", data=data, commit=True
    )
    assert not outcome.committed and [p.row for p in outcome.problems] == [3], outcome.problems
    viewer = actor_of(session, "viewer")
    with pytest.raises(Forbidden):
        pipeline.run(
            session=session, actor=viewer, kind="enterprises", file_name="s.xlsx", data=data, commit=False
        )


def test_headers_are_matched_by_label_or_code_and_a_missing_required_column_is_named(
    session: Session,
) -> None:
    admin = actor_of(session, "city_admin")
    data = _xlsx([[" 企业名称 ", "org_unit_id", "经办人"], ["表头科技有限公司", "XZ-QS", "x"]])
    outcome = pipeline.run(
        session=session, actor=admin, kind="enterprises", file_name="h.xlsx", data=data, commit=False
    )
    assert outcome.problem_count == 0 and outcome.ignored_columns == ["经办人"], outcome.as_dict()
    missing = pipeline.run(
        session=session,
        actor=admin,
        kind="plans",
        file_name="p.xlsx",
        data=_xlsx([["年度"], [2026]]),
        commit=False,
    )
    assert {p.column for p in missing.problems} >= {"重点工作", "对口地区", "计划金额（元）"}
    assert all(p.row == 1 for p in missing.problems)


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"%PDF-1.7 not a sheet\x00\x01", "不是 Excel"),
        (_xlsx([FIRMS])[:300], "损坏"),
        (b"", "空"),
    ],
)
def test_files_that_are_not_spreadsheets_are_refused(session: Session, data: bytes, words: str) -> None:
    admin = actor_of(session, "city_admin")
    with pytest.raises(Invalid) as caught:
        pipeline.run(
            session=session, actor=admin, kind="enterprises", file_name="x.xlsx", data=data, commit=False
        )
    assert words in caught.value.message


def test_a_zip_bomb_dressed_as_xlsx_is_refused_unread() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"0" * (50 * 1024 * 1024))
    with pytest.raises(Invalid) as caught:
        sheets.read(out.getvalue(), "bomb.xlsx")
    assert "解压后过大" in caught.value.message


def test_a_sheet_of_formatted_empty_rows_ends_at_its_data() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["企业名称"])
    sheet.append(["甲"])
    for r in range(3, 5_000):
        sheet.cell(row=r, column=1).number_format = "0.00"
    out = io.BytesIO()
    book.save(out)
    read = sheets.read(out.getvalue())
    assert read.headers == ["企业名称"] and [n for n, _ in read.rows] == [2]


def test_merged_header_cells_and_formulas_read_as_shown() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["联系人", None, "年度"])
    sheet.merge_cells("A1:B1")
    sheet.append(["甲", "乙", "=2020+5"])
    out = io.BytesIO()
    book.save(out)
    read = sheets.read(out.getvalue())
    assert read.headers == ["联系人", "联系人", "年度"]


def test_the_template_reads_back_as_its_own_headers(session: Session) -> None:
    admin = actor_of(session, "city_admin")
    for kind, rtype in pipeline.targets().items():  # every register, and data values
        data = template.build(session, admin, rtype)
        read = sheets.read(data, f"{kind}.xlsx")
        assert read.headers[0] == "编号" and read.headers[1:] == [template.header(f) for f in rtype.fields]
    plans = openpyxl.load_workbook(io.BytesIO(template.build(session, admin, pipeline.get_target("plans"))))
    assert plans.sheetnames == ["资金计划", "示例", "选项", "填写说明"]
    assert plans["资金计划"].max_row == 1 and plans["示例"].max_row == 3  # examples apart: nothing to import
    assert plans["资金计划"].data_validations.dataValidation  # dropdowns for the coded columns


def test_the_page_previews_then_imports_and_the_api_says_the_same(
    client: TestClient, session: Session, as_persona
) -> None:
    body = f"企业名称,统一社会信用代码,所在区县/园区\n网页导入科技有限公司,{_code(51)},泉山区\n".encode()
    started = client.post(
        "/imports/enterprises", files={"file": ("w.csv", body, "text/csv")}, follow_redirects=False
    )
    assert started.status_code == 303 and started.headers["location"].startswith("/imports/jobs/")
    job_url = started.headers["location"]
    page = client.get(job_url)
    assert page.status_code == 200 and "将新增 1 条" in page.text and "确认导入" in page.text, page.text[
        -1500:
    ]
    assert client.get(job_url + "/progress").headers.get("HX-Refresh") == "true"  # finished: reload
    assert as_persona("quanshan_officer").get(job_url).status_code == 404  # a job is its starter's alone
    done = client.post(job_url + "/commit", follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] != job_url
    page = client.get(done.headers["location"])
    assert "已导入 1 行" in page.text, page.text[page.text.find("<h1") :][:600]
    assert session.scalar(select(func.count()).where(Enterprise.name == "网页导入科技有限公司")) == 1
    again = client.post(job_url + "/commit", follow_redirects=False)  # the same preview twice: refused
    assert again.status_code == 409
    bad = "企业名称,所在区县/园区\n,泉山区\n".encode()
    api = client.post("/api/v1/imports/enterprises?commit=true", files={"file": ("b.csv", bad, "text/csv")})
    assert api.status_code == 422 and api.json()["problems"][0]["row"] == 2, api.text
    assert client.get("/api/v1/imports/plans/template").content.startswith(b"PK")
    not_a_sheet = client.post("/imports/enterprises", files={"file": ("x.xlsx", b"\x00\x01garbage", "x")})
    assert not_a_sheet.status_code == 422 and "不是 Excel" in not_a_sheet.text


def test_a_job_left_unfinished_by_a_stopped_server_says_so(session: Session) -> None:
    from shanhai.imports import jobs
    from shanhai.imports.models import FAILED, QUEUED, ImportJob

    admin = actor_of(session, "city_admin")
    job = jobs.create(
        session=session, actor=admin, kind="plans", file_name="p.xlsx", sha256="0" * 64, commit=True
    )
    alive = jobs.create(
        session=session, actor=admin, kind="plans", file_name="q.xlsx", sha256="1" * 64, commit=True
    )
    job.runner = f"{jobs.socket.gethostname()}:{2**22 + 12345}"  # a process that is not there
    session.flush()
    connection = session.connection()
    factory = lambda: Session(bind=connection, join_transaction_mode="create_savepoint")  # noqa: E731
    assert jobs.abandon_unfinished(factory) >= 1  # type: ignore[arg-type]
    session.expire_all()
    found = session.get_one(ImportJob, job.id)
    assert found.status == FAILED and "未导入任何数据" in found.message
    assert session.get_one(ImportJob, alive.id).status == QUEUED  # this process's own job runs on


def test_plans_import_with_names_for_units_and_programmes(session: Session) -> None:
    admin = actor_of(session, "city_admin")
    data = _xlsx([["重点工作", "对口地区", "年度", "计划金额（万元）"], ["苏陕协作", "宝鸡市", 2031, 3693]])
    outcome = pipeline.run(
        session=session, actor=admin, kind="plans", file_name="p.xlsx", data=data, commit=True
    )
    assert outcome.committed, outcome.problems
    plan = session.get_one(FundPlan, outcome.created[0])
    assert plan.amount == Decimal("36930000.00") and plan.year == 2031


@pytest.mark.parametrize("kind", sorted(catalogue.types()))
def test_a_lists_export_imports_back_as_a_no_op(client: TestClient, session: Session, kind: str) -> None:
    if kind == "projects":
        return  # its list is the project library's, not a register export (see the note)
    exported = client.get(f"/api/v1/lists/records_{kind}/export", params={"format": "xlsx", "limit": 200})
    assert exported.status_code == 200, exported.text[:300]
    admin = actor_of(session, "city_admin")
    outcome = pipeline.run(
        session=session, actor=admin, kind=kind, file_name=f"{kind}.xlsx", data=exported.content, commit=True
    )
    assert outcome.problem_count == 0, (kind, outcome.problems[:5], outcome.ignored_columns)
    assert (len(outcome.created), len(outcome.updated)) == (0, 0), (kind, outcome.as_dict())


def test_an_old_xls_workbook_with_a_date_cell(session: Session) -> None:
    import xlwt  # writes the old binary format, as WPS and Excel 2003 save it

    book = xlwt.Workbook()
    sheet = book.add_sheet("企业")
    for col, text in enumerate(FIRMS[:4]):
        sheet.write(0, col, text)
    sheet.write(1, 0, "老格式科技有限公司")
    sheet.write(1, 1, _code(61))
    sheet.write(1, 2, "泉山区")
    sheet.write(1, 3, date(2019, 7, 1), xlwt.easyxf(num_format_str="YYYY-MM-DD"))
    out = io.BytesIO()
    book.save(out)
    admin = actor_of(session, "city_admin")
    outcome = pipeline.run(
        session=session,
        actor=admin,
        kind="enterprises",
        file_name="old.xls",
        data=out.getvalue(),
        commit=True,
    )
    assert outcome.committed, outcome.problems
    assert session.get_one(Enterprise, outcome.created[0]).founded_on == date(2019, 7, 1)


def test_data_values_import_through_the_one_write_path(session: Session) -> None:
    from shanhai.indicators.models import DataElement, DataValue

    admin = actor_of(session, "city_admin")
    header = ["指标", "单位", "期间", "重点工作", "类型", "数值", "数值说明", "备注"]
    rows = [
        header,
        ["SURGERIES", "奎屯市", "203103", "援疆", "实际值", "1,200", "", "三月"],
        ["开展手术操作", "奎屯市", "203104", "援疆", "", "１.２万", "超", ""],  # by name; full-width; 万
        ["TEACHING_EVENTS", "奎屯市", "2031", "援疆", "目标值", "40", "", ""],
        ["FUNDS", "奎屯市", "2031", "援疆", "实际值", "3693万", "", ""],  # kept by the fund registers
        ["SURGERIES", "奎屯市", "203105", "援疆", "", "许多", "", ""],
    ]
    outcome = pipeline.run(
        session=session, actor=admin, kind="values", file_name="v.xlsx", data=_xlsx(rows), commit=True
    )
    assert [(p.row, p.column) for p in outcome.problems] == [(5, "指标"), (6, "数值")], outcome.problems
    assert "资金" in outcome.problems[0].message or "台账" in outcome.problems[0].message
    del rows[4:]
    outcome = pipeline.run(
        session=session, actor=admin, kind="values", file_name="v.xlsx", data=_xlsx(rows), commit=True
    )
    assert outcome.committed and len(outcome.created) == 3, outcome.problems
    surgeries = session.scalars(select(DataElement).where(DataElement.code == "SURGERIES")).one()
    values = {
        v.period_id: (v.value, v.qualifier)
        for v in session.scalars(select(DataValue).where(DataValue.data_element_id == surgeries.id))
        if v.period_id.startswith("2031")
    }
    assert values == {"203103": (Decimal("1200"), "exact"), "203104": (Decimal("12000"), "over")}
    rows[1][5] = "1300"
    again = pipeline.run(
        session=session, actor=admin, kind="values", file_name="v.xlsx", data=_xlsx(rows), commit=True
    )
    assert (len(again.created), len(again.updated), len(again.unchanged)) == (0, 1, 2), again.as_dict()
    officer = actor_of(session, "quanshan_officer")
    other = pipeline.run(
        session=session, actor=officer, kind="values", file_name="v.xlsx", data=_xlsx(rows), commit=True
    )
    assert not other.committed and {p.row for p in other.problems} == {2, 3, 4}


# --- from the fresh-eyes attack ---------------------------------------------------------------------------


def test_a_workbook_over_a_megabyte_is_taken(client: TestClient) -> None:
    wide = "x" * 60_000
    body = (
        "企业名称,所在区县/园区,附注\n" + "".join(f"大文件{n}有限公司,泉山区,{wide}\n" for n in range(20))
    ).encode()
    assert len(body) > 1_100_000
    r = client.post("/api/v1/imports/enterprises", files={"file": ("big.csv", body, "text/csv")})
    assert r.status_code == 200 and r.json()["created"] == 20, r.text[:300]


def test_digits_in_a_link_column_are_a_code_before_an_id_and_empty_cells_clear_nothing(
    session: Session,
) -> None:
    admin = actor_of(session, "city_admin")
    head = "91320311000123450"
    code = head + uscc.check_character(head)  # a credit code of digits only
    made = pipeline.run(
        session=session,
        actor=admin,
        kind="enterprises",
        file_name="a.csv",
        data=f"企业名称,统一社会信用代码,所在区县/园区\n数字代码科技有限公司,{code},泉山区\n".encode(),
        commit=True,
    )
    assert made.committed, made.problems
    rows = f"企业,资质类型,入库/认定年度\n{code},科技型中小企业,2025\n".encode()
    qualified = pipeline.run(
        session=session, actor=admin, kind="qualifications", file_name="q.csv", data=rows, commit=True
    )
    assert qualified.committed, qualified.problems
    blank = "企业名称,统一社会信用代码,所在区县/园区\n数字代码科技有限公司,,泉山区\n".encode()
    kept = pipeline.run(
        session=session, actor=admin, kind="enterprises", file_name="b.csv", data=blank, commit=True
    )
    assert kept.committed and len(kept.unchanged) == 1, kept.as_dict()
    assert session.get_one(Enterprise, made.created[0]).credit_code == code


def test_rows_after_a_long_run_of_empty_rows_are_read() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["企业名称"])
    sheet.append(["甲"])
    sheet.cell(row=1_506, column=1, value="隐藏的新公司")
    out = io.BytesIO()
    book.save(out)
    assert [n for n, _ in sheets.read(out.getvalue()).rows] == [2, 1_506]


def test_a_csv_export_with_formula_guards_imports_back_unchanged(
    client: TestClient, session: Session
) -> None:
    admin = actor_of(session, "city_admin")
    made = pipeline.run(
        session=session,
        actor=admin,
        kind="enterprises",
        file_name="f.csv",
        data="企业名称,所在区县/园区,地址\n公式科技有限公司,泉山区,=1+1 号\n".encode(),
        commit=True,
    )
    assert made.committed and session.get_one(Enterprise, made.created[0]).address == "=1+1 号"
    exported = client.get(
        "/api/v1/lists/records_enterprises/export", params={"format": "csv", "q": "公式科技"}
    )
    assert "'=1+1" in exported.text
    back = pipeline.run(
        session=session,
        actor=admin,
        kind="enterprises",
        file_name="e.csv",
        data=exported.content,
        commit=True,
    )
    assert back.committed and len(back.unchanged) == 1, back.as_dict()
    assert session.get_one(Enterprise, made.created[0]).address == "=1+1 号"


def test_people_with_masked_numbers_import_back_as_they_were(client: TestClient, session: Session) -> None:
    admin = actor_of(session, "city_admin")
    text = (
        "姓名,类别,派驻地,任期开始,任期结束,状态,身份证号,联系电话\n"
        "导入张三,教师,奎屯市,2031-01-01,2032-12-31,在岗,320302199001011234,13812341234\n"
    )
    made = pipeline.run(
        session=session, actor=admin, kind="people", file_name="p.csv", data=text.encode(), commit=True
    )
    assert made.committed, made.problems
    exported = client.get("/api/v1/lists/records_people/export", params={"format": "xlsx", "q": "导入张三"})
    back = pipeline.run(
        session=session, actor=admin, kind="people", file_name="p.xlsx", data=exported.content, commit=True
    )
    assert back.committed and len(back.unchanged) == 1, back.as_dict()
    from shanhai.operations.models import Person

    person = session.get_one(Person, made.created[0])
    assert (person.id_number, person.phone) == ("320302199001011234", "13812341234")


def test_a_corrected_loan_amount_updates_the_loan(session: Session) -> None:
    admin = actor_of(session, "city_admin")
    firm = "久耀电子科技（徐州）有限公司"
    first = f"企业,支持类型,产品/项目,金额（万元）,放款/拨付日期\n{firm},贷款,苏科贷,300,2025-07-01\n"
    made = pipeline.run(
        session=session, actor=admin, kind="support", file_name="l.csv", data=first.encode(), commit=True
    )
    assert made.committed, made.problems
    fixed = pipeline.run(
        session=session,
        actor=admin,
        kind="support",
        file_name="l.csv",
        data=first.replace(",300,", ",350,").encode(),
        commit=True,
    )
    assert (len(fixed.created), len(fixed.updated)) == (0, 1), fixed.as_dict()
    assert session.get_one(Support, made.created[0]).amount == Decimal("3500000.00")


def test_integers_as_officials_and_formulas_write_them(session: Session) -> None:
    column = pipeline.Column(0, "家次", catalogue.types()["support"].field("times"))
    resolver = pipeline.Resolver(session, actor_of(session, "city_admin"))
    assert [
        pipeline.cell_value(resolver, column, v) for v in (1.0000000000000002, "1.2万", "1,200", "３")
    ] == [
        "1",
        "12000",
        "1200",
        "3",
    ]
    assert sheets.as_date("45000") == date(2023, 3, 15)
