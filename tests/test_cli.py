"""The command line: bilingual help, bad settings as one clear line, db upgrade and demo on a new file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SHANHAI_")}
    full_env.update({"COLUMNS": "200", "NO_COLOR": "1", **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "shanhai", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=120,
    )


def test_help_is_chinese_and_english() -> None:
    out = run("--help").stdout
    assert "载入演示数据" in out and "load the demo data" in out


def test_bad_database_url_is_one_clear_line(tmp_path: Path) -> None:
    result = run("db", "upgrade", env={"SHANHAI_DATABASE_URL": "mysql://nobody@nowhere/db"})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "SHANHAI_DATABASE_URL" in lines[0] and "Traceback" not in result.stderr


def test_bad_port_names_the_setting() -> None:
    result = run("serve", env={"SHANHAI_PORT": "eighty"})
    assert result.returncode == 2 and "SHANHAI_PORT" in result.stderr and "Traceback" not in result.stderr


def test_unreachable_database_is_one_clear_line() -> None:
    result = run("db", "upgrade", env={"SHANHAI_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/x"})
    assert result.returncode == 1 and "无法连接数据库" in result.stderr and "Traceback" not in result.stderr


def test_demo_twice_on_a_new_data_dir(tmp_path: Path) -> None:
    env = {"SHANHAI_DATA_DIR": str(tmp_path / "data")}
    first = run("demo", env=env)
    assert first.returncode == 0, first.stderr
    assert "演示数据已载入" in first.stdout and (tmp_path / "data" / "shanhai.sqlite3").is_file()
    second = run("demo", env=env)
    assert second.returncode == 0 and "未做改动" in second.stdout
    current = run("db", "current", env=env)
    fields = dict(part.split("=") for part in current.stdout.split())
    assert fields["current"] == fields["head"] != "None"


def test_create_admin_and_issue_a_token(tmp_path: Path) -> None:
    env = {"SHANHAI_DATA_DIR": str(tmp_path / "data")}
    weak = run("user", "create-admin", "--username", "boss", "--password", "short", env=env)
    assert weak.returncode == 1 and "密码至少" in weak.stderr
    made = run("user", "create-admin", "--username", "boss", "--password", "Strong-pass-1", env=env)
    assert made.returncode == 0, made.stderr
    assert "boss" in made.stdout
    again = run("user", "create-admin", "--username", "boss", "--password", "Strong-pass-1", env=env)
    assert again.returncode == 1 and "已存在" in again.stderr
    token = run("user", "token", "--username", "boss", env=env)
    assert token.returncode == 0 and token.stdout.strip().startswith("shk_")


def test_import_a_file_in_the_terminal_all_or_nothing(tmp_path: Path) -> None:
    from shanhai.lib import uscc

    env = {"SHANHAI_DATA_DIR": str(tmp_path / "data")}
    assert run("demo", env=env).returncode == 0
    head = "91320302MA1CL0001"
    good = tmp_path / "firms.csv"
    code = head + uscc.check_character(head)
    good.write_text(f"企业名称,统一社会信用代码,所在区县/园区\n终端导入科技有限公司,{code},泉山区\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("企业名称,所在区县/园区\n,泉山区\n无单位科技有限公司,不存在\n", encoding="gb18030")
    refused = run("import", "enterprises", str(bad), "--username", "city_admin", env=env)
    assert refused.returncode == 1 and "第 2 行" in refused.stderr and "第 3 行" in refused.stderr
    dry = run("import", "enterprises", str(good), "--username", "city_admin", "--dry-run", env=env)
    assert dry.returncode == 0 and "新增 1" in dry.stdout and "预览" in dry.stdout, dry.stderr
    done = run("import", "enterprises", str(good), "--username", "city_admin", env=env)
    assert done.returncode == 0 and "已导入" in done.stdout, done.stderr
    again = run("import", "enterprises", str(good), "--username", "city_admin", env=env)
    assert again.returncode == 0 and "新增 0" in again.stdout and "未变 1" in again.stdout
