"""`shanhai extract FILE...`: the figures of .txt/.docx/.pdf files as JSON Lines, or their plain text.

Registered in `shanhai.cli` with `app.command("extract", help=HELP)(extract)`. Offsets in the JSON refer
to the text that `shanhai extract --text FILE` prints (the same for every run on the same file).
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from shanhai.documents.extraction import DocumentError, extract_figures, read_path

HELP = (
    "抽取报告中的数字（.txt/.docx/.pdf），每行一个 JSON。 / "
    "Extract the figures of reports as JSON Lines (--text: print the plain text the offsets refer to)."
)


def extract(
    files: list[Path] = typer.Argument(  # noqa: B008 - Typer declares arguments through defaults
        ..., exists=True, dir_okay=False, readable=True, help="报告文件 / report files (.txt, .docx, .pdf)"
    ),
    text: bool = typer.Option(
        False, "--text", help="只输出纯文本（偏移量所指的文本） / print the plain text instead of figures"
    ),
) -> None:
    """Print one JSON object per figure (with a "file" field), or with --text the plain text itself."""
    failed = False
    for path in files:
        try:
            plain = read_path(path)
        except DocumentError as exc:
            typer.echo(f"错误 / error: {path}: {exc.message}", err=True)
            failed = True
            continue
        if text:
            typer.echo(plain, nl=False)
            continue
        lines = (
            json.dumps({"file": str(path), **figure.to_record()}, ensure_ascii=False) + "\n"
            for figure in extract_figures(plain)
        )
        typer.echo("".join(lines), nl=False)
    if failed:
        raise typer.Exit(code=1)


def main() -> None:  # pragma: no cover - `python -m shanhai.cli.extract`, for use without the main app
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command(help=HELP)(extract)
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
