"""国民经济行业分类 GB/T 4754-2017: its 97 divisions (大类) under their 20 sections (门类), shipped as data
(`gbt4754.tsv`), for firms and investment leads alike: codes like C39, and their names."""

from __future__ import annotations

from pathlib import Path


def _divisions() -> tuple[tuple[str, str], ...]:
    rows = []
    for line in (Path(__file__).parent / "gbt4754.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            code, name, section, _section_name = line.split("\t")
            rows.append((f"{section}{code}", f"{section}{code} {name}"))
    return tuple(rows)


DIVISIONS = _divisions()  # (code, 'C39 计算机、通信和其他电子设备制造业')
NAMES = dict(DIVISIONS)
