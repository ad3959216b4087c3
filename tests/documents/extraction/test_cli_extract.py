"""`shanhai extract`: JSON Lines whose offsets are valid in the text that `--text` prints."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from shanhai.cli.extract import HELP, extract

app = typer.Typer(add_completion=False)
app.command(help=HELP)(extract)
runner = CliRunner()


def test_figures_as_json_lines_with_offsets_into_the_printed_text(tmp_path: Path) -> None:
    report = tmp_path / "报告.txt"
    report.write_bytes("标题\r\n\r\n全年投资1.18亿元，销售额分别超4000万元、4200万元。".encode("gbk"))
    result = runner.invoke(app, [str(report)])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["text"], r["value"], r["qualifier"]) for r in records] == [
        ("1.18亿元", 118000000, "exact"),
        ("4000万元", 40000000, "over"),
        ("4200万元", 42000000, "over"),
    ]
    assert {r["file"] for r in records} == {str(report)}
    plain = runner.invoke(app, ["--text", str(report)]).stdout
    assert all(plain[r["start"] : r["end"]] == r["text"] for r in records)


def test_several_files_and_a_bad_one(tmp_path: Path) -> None:
    good, empty = tmp_path / "a.txt", tmp_path / "b.txt"
    good.write_text("新增12家。", encoding="utf-8")
    empty.write_bytes(b"")
    result = runner.invoke(app, [str(empty), str(good)])
    assert result.exit_code == 1
    assert "文件是空的" in result.stderr and str(empty) in result.stderr
    assert [json.loads(line)["text"] for line in result.stdout.splitlines()] == ["12家"]
