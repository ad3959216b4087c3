"""Reports read into indicators: upload (txt in UTF-8 or GBK, docx, pdf), every figure a candidate with a
suggestion and the words behind it, accepted through the one write path into values that cite the figure,
corrected, rejected; bad files refused with a message and nothing stored; scope like the uploader's unit."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfWriter
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shanhai.documents.models import Candidate, Document
from shanhai.indicators.models import DataValue
from shanhai.orgunits.models import OrgUnit

REPORT = (
    "2025年泉山区科技工作总结\n"
    "2025年，泉山区新增高新技术企业45家，技术合同成交额突破12亿元。"
    "全年组织科技金融对接活动6场，帮助53家企业获得贷款1.56亿元。\n"
    "第十一批干部人才到岗以来，累计培训1万余人次。"
)


def _upload(client: TestClient, name: str, data: bytes, **form: str):
    return client.post("/api/v1/documents/upload", files={"file": (name, data)}, data=form)


def _unit_id(session: Session, code: str) -> int:
    return session.scalars(select(OrgUnit.id).where(OrgUnit.code == code)).one()


def test_upload_finds_every_figure_with_suggestions_and_the_same_file_finds_the_same_document(
    as_persona: Callable[[str], TestClient], session: Session
) -> None:
    officer = as_persona("quanshan_officer")
    r = _upload(officer, "总结.txt", REPORT.encode("utf-8"), title="泉山区科技工作总结")
    assert r.status_code == 201, r.text
    first = r.json()
    page = officer.get(f"/api/v1/documents/{first['id']}").json()
    texts = [c["text"] for c in page["candidates"]]
    assert texts == ["45家", "12亿元", "6场", "53家", "1.56亿元", "1万余人次"]
    text = "".join(s["text"] for s in page["segments"])
    assert text == REPORT  # the highlighted reading view is the text itself
    for c in page["candidates"]:
        assert REPORT[c["start"] : c["end"]] == c["text"] and c["status"] == "待审"
    loans = next(c for c in page["candidates"] if c["text"] == "1.56亿元")
    assert loans["element"] == "TECH_LOANS" and loans["org_unit"] == "泉山区" and loans["period_id"] == "2025"
    assert "泉山" in loans["reason"] and "2025年" in loans["reason"]
    again = _upload(officer, "副本.txt", REPORT.encode("utf-8"))
    assert again.status_code == 200 and again.json()["id"] == first["id"] and not again.json()["created"]
    # GBK text is decoded correctly (a different file: a new document)
    gbk = _upload(officer, "gbk.txt", REPORT.replace("45家", "46家").encode("gb18030"))
    assert gbk.status_code == 201
    assert officer.get(f"/api/v1/documents/{gbk.json()['id']}").json()["candidates"][0]["text"] == "46家"
    # another district does not see it
    assert as_persona("jingkai_officer").get(f"/api/v1/documents/{first['id']}").status_code == 404


def _docx(parts: dict[str, str | bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, body in parts.items():
            archive.writestr(name, body)
    return buffer.getvalue()


def _blank_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("junk.txt", bytes(range(256)) * 40),
        ("empty.txt", b""),
        ("blank.txt", b"   \n  "),
        ("scan.pdf", _blank_pdf()),
        ("fake.pdf", b"%PDF-1.7 not really"),
        ("zip.docx", _docx({"readme.txt": "hello"})),
        ("photo.jpg", b"\xff\xd8\xff\xe0" + b"0" * 100),
    ],
)
def test_bad_files_get_a_message_and_nothing_is_stored(
    as_persona: Callable[[str], TestClient], session: Session, name: str, data: bytes
) -> None:
    before = session.scalar(select(func.count()).select_from(Document))
    r = _upload(as_persona("city_admin"), name, data)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["field"] == "file" and any("\u4e00" <= ch <= "\u9fff" for ch in error["message"])
    assert session.scalar(select(func.count()).select_from(Document)) == before


def test_a_file_over_the_limit_is_refused_before_it_is_read(as_persona: Callable[[str], TestClient]) -> None:
    r = _upload(as_persona("city_admin"), "big.txt", b"1" * (50 * 1024 * 1024))
    assert r.status_code == 413 and "过大" in r.json()["error"]["message"]


def test_accept_correct_and_reject_figures(as_persona: Callable[[str], TestClient], session: Session) -> None:
    officer = as_persona("quanshan_officer")
    doc = _upload(officer, "总结.txt", REPORT.encode("utf-8")).json()
    candidates = {c["text"]: c for c in officer.get(f"/api/v1/documents/{doc['id']}").json()["candidates"]}
    quanshan = _unit_id(session, "XZ-QS")
    loans = candidates["1.56亿元"]
    body = {
        "version": loans["version"],
        "element": "INVESTMENT_LANDED",
        "org_unit_id": quanshan,
        "period": "2033",
    }
    r = officer.post(f"/api/v1/candidates/{loans['id']}/accept", json=body)
    assert r.status_code == 200 and r.json()["status"] == "采纳", r.text
    value = session.get(DataValue, r.json()["value_id"])
    assert value is not None and value.value == 156000000 and value.source.figure_text == "1.56亿元"
    assert (value.source.start, value.source.end) == (loans["start"], loans["end"])
    # the value's page shows the sentence with the figure marked
    page = officer.get(f"/values/{value.id}/edit").text
    assert "<mark>1.56亿元</mark>" in page and "帮助53家企业获得贷款" in page
    # the same candidate again: stale version
    assert officer.post(f"/api/v1/candidates/{loans['id']}/accept", json=body).status_code == 409
    # a unit that does not fit the element is refused, naming the field
    firms = candidates["45家"]
    bad = {
        "version": firms["version"],
        "element": "INVESTMENT_LANDED",
        "org_unit_id": quanshan,
        "period": "2033",
    }
    r = officer.post(f"/api/v1/candidates/{firms['id']}/accept", json=bad)
    assert r.status_code == 422 and r.json()["error"]["field"] == "element"
    # corrected: accepted with the reviewer's number
    fixed = bad | {"element": "TECH_LOAN_FIRMS", "value": "44", "note": "原文笔误"}
    r = officer.post(f"/api/v1/candidates/{firms['id']}/accept", json=fixed)
    assert r.status_code == 200 and r.json()["status"] == "已更正"
    assert session.get(DataValue, r.json()["value_id"]).value == 44  # type: ignore[union-attr]
    # a unit outside the officer's scope is refused
    training = candidates["1万余人次"]
    outside = {
        "version": training["version"],
        "element": "SKILL_TRAINEES",
        "period": "2033",
        "org_unit_id": _unit_id(session, "P-XJ-KT"),
    }
    assert officer.post(f"/api/v1/candidates/{training['id']}/accept", json=outside).status_code == 404
    # rejected, then back to 待审; a viewer may do neither
    viewer = as_persona("viewer")
    assert viewer.post(f"/api/v1/candidates/{training['id']}/reject", json={"version": 1}).status_code == 403
    r = officer.post(f"/api/v1/candidates/{training['id']}/reject", json={"version": training["version"]})
    assert r.status_code == 200 and r.json()["status"] == "驳回"
    r = officer.post(f"/api/v1/candidates/{training['id']}/reopen", json={"version": r.json()["version"]})
    assert r.status_code == 200 and r.json()["status"] == "待审"
    assert session.scalar(select(func.count()).select_from(Candidate).where(Candidate.status == "待审")) >= 1


def test_hostile_files_are_refused_or_bounded(
    as_persona: Callable[[str], TestClient], session: Session
) -> None:
    """Found by an attack: text without full stops, too many figures, deep nesting and a DOCTYPE behind a
    comment in a .docx, invisible characters in a file name."""
    admin = as_persona("city_admin")
    many = "".join(f"第{i}项投资{i % 97 + 1}万元，" for i in range(3100)).encode()
    r = _upload(admin, "many.txt", many)
    assert r.status_code == 422 and "拆分" in r.json()["error"]["message"]
    long_sentence = "".join(f"第{i}项投资{i % 97 + 1}万元，" for i in range(2500)).encode()
    r = _upload(admin, "long.txt", long_sentence)  # no sentence end anywhere: each sentence is bounded
    assert r.status_code == 201
    page = admin.get(f"/api/v1/documents/{r.json()['id']}").json()
    assert len(page["candidates"]) == 2500 and max(len(c["sentence"]) for c in page["candidates"]) <= 810
    assert admin.get(f"/documents/{r.json()['id']}?page=3").status_code == 200
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    nested = "<w:p>" * 5000 + "<w:t>1万元</w:t>" + "</w:p>" * 5000  # paragraphs in paragraphs: read once
    body = f"<w:document {ns}><w:body>{nested}</w:body></w:document>"
    r = _upload(admin, "nested.docx", _docx({"[Content_Types].xml": "x", "word/document.xml": body}))
    assert r.status_code == 201
    deep = "<w:sdt>" * 5000 + "<w:p><w:t>1万元</w:t></w:p>" + "</w:sdt>" * 5000
    body = f"<w:document {ns}><w:body>{deep}</w:body></w:document>"
    r = _upload(admin, "deep.docx", _docx({"[Content_Types].xml": "x", "word/document.xml": body}))
    assert r.status_code == 422 and "嵌套" in r.json()["error"]["message"]
    hidden = (
        "<!--"
        + "x" * 5000
        + '--><!DOCTYPE lol [<!ENTITY a "aaaa">]>'
        + f"<w:document {ns}><w:body/></w:document>"
    )
    r = _upload(admin, "lol.docx", _docx({"[Content_Types].xml": "x", "word/document.xml": hidden}))
    assert r.status_code == 422 and "XML 声明" in r.json()["error"]["message"]
    # in UTF-16 the bytes b"<!DOCTYPE" appear nowhere: the parser itself refuses the DTD (defusedxml)
    utf16 = ('<?xml version="1.0" encoding="UTF-16"?>' + hidden).encode("utf-16")
    assert b"<!DOCTYPE" not in utf16
    r = _upload(admin, "lol16.docx", _docx({"[Content_Types].xml": "x", "word/document.xml": utf16}))
    assert r.status_code == 422 and "XML 声明" in r.json()["error"]["message"]
    r = _upload(admin, "报\x00告\u202e.txt", REPORT.replace("45家", "47家").encode())
    assert r.status_code == 201
    stored = session.get(Document, r.json()["id"])
    assert (
        stored is not None and "\u202e" not in (stored.file_name or "") and stored.file_name.endswith(".txt")
    )


def test_a_figure_whose_value_was_deleted_can_be_reviewed_again(
    as_persona: Callable[[str], TestClient], session: Session
) -> None:
    admin = as_persona("city_admin")
    doc = _upload(admin, "总结.txt", REPORT.replace("45家", "48家").encode()).json()
    loans = next(
        c for c in admin.get(f"/api/v1/documents/{doc['id']}").json()["candidates"] if c["text"] == "1.56亿元"
    )
    body = {
        "version": loans["version"],
        "element": "INVESTMENT_LANDED",
        "org_unit_id": _unit_id(session, "XZ-QS"),
        "period": "2034",
    }
    accepted = admin.post(f"/api/v1/candidates/{loans['id']}/accept", json=body).json()
    assert (
        admin.post(
            f"/api/v1/candidates/{loans['id']}/reopen", json={"version": accepted["version"]}
        ).status_code
        == 409
    )
    value = session.get(DataValue, accepted["value_id"])
    assert value is not None
    assert admin.delete(f"/api/v1/values/{value.id}", params={"version": value.version}).status_code == 204
    r = admin.post(f"/api/v1/candidates/{loans['id']}/reopen", json={"version": accepted["version"]})
    assert r.status_code == 200 and r.json()["status"] == "待审"


def test_each_figure_keeps_the_best_three_of_each_field_with_their_reasons(
    as_persona: Callable[[str], TestClient],
) -> None:
    """The card shows the preselected suggestion and, under 各项建议, the best three of each field — the
    same in the JSON twin — and 无对应指标 where no element fits."""
    admin = as_persona("city_admin")
    report = "泉山区2026年1月东西部协作工作简报\n1月份，泉山区向宝鸡市拨付帮扶资金1.2亿元，当月到位率100%。"
    r = admin.post("/api/v1/documents/upload", files={"file": ("brief.txt", report.encode())})
    document = admin.get(f"/api/v1/documents/{r.json()['id']}").json()
    funds, rate = document["candidates"]
    assert funds["alternatives"]["element"][0]["value"] == "FUNDS" == funds["element"]
    assert [a["label"] for a in funds["alternatives"]["org_unit"]][:2] == ["宝鸡市", "泉山区"]
    assert funds["alternatives"]["period"][0]["value"] == "202601"
    assert all(a["why"] for alts in funds["alternatives"].values() for a in alts)
    assert rate["element"] is None and rate["alternatives"]["element"] == []
    page = admin.get(f"/documents/{document['id']}").text
    assert "各项建议（前三）" in page and "无对应指标" in page and "1. 宝鸡市" in page


def test_a_target_is_suggested_as_one_and_accepted_as_one(
    as_persona: Callable[[str], TestClient], session: Session
) -> None:
    """全年计划安排…8970万元 is a plan: suggested as a target (accepted as an actual it was added to what was
    paid), and the reviewer may still say otherwise."""
    from shanhai.indicators.models import Claim, DataValue

    admin = as_persona("city_admin")
    report = "2025年泉山区资金简报\n全年计划安排援疆资金8970万元，已拨付援疆资金5000万元。新设展销专柜3家。"
    r = admin.post("/api/v1/documents/upload", files={"file": ("plan.txt", report.encode())})
    document = admin.get(f"/api/v1/documents/{r.json()['id']}").json()
    plan, paid, outlets = document["candidates"]
    assert (plan["kind"], paid["kind"], outlets["kind"]) == ("target", "actual", "actual")
    assert "“计划” → 目标值" in plan["reason"]
    accepted = admin.post(
        f"/api/v1/candidates/{plan['id']}/accept",
        json={
            "version": plan["version"],
            "element": "FUNDS",
            "org_unit_id": plan["org_unit_id"],
            "period": "2025",
        },
    )
    assert accepted.status_code == 200, accepted.text
    claim = session.get(Claim, accepted.json()["claim_id"])
    assert claim is not None and claim.kind == "target"
    body = {"version": outlets["version"], "element": "SALES_OUTLETS", "org_unit_id": outlets["org_unit_id"]}
    taken = admin.post(
        f"/api/v1/candidates/{outlets['id']}/accept", json=body | {"period": "2025", "kind": "target"}
    )
    assert taken.status_code == 200, taken.text
    value = session.get(DataValue, taken.json()["value_id"])
    assert value is not None and value.kind == "target" and taken.json()["kind"] == "target"
