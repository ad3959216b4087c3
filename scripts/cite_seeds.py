"""Fill in the `at: [start, end, sentence_start, sentence_end]` offsets of the demo fixture.

usage: python scripts/cite_seeds.py [SEEDS_DIR]   (default ../shared/seeds)

Each value or project line of src/shanhai/fixtures/demo.yaml that names a document with text gets its
offsets recomputed from the seed report (and each document its sha256 and length); the file is
rewritten in place, line by line, so that comments and layout stay as written. Fails loudly if a
figure cannot be found.
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

import yaml

from shanhai.documents.spans import find_figure, sentence_span

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "src" / "shanhai" / "fixtures" / "demo.yaml"


def main() -> int:
    seeds = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "seeds"
    data = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
    texts = {
        d["code"]: (seeds / d["file"]).read_text(encoding="utf-8") for d in data["documents"] if d.get("file")
    }
    out, bad = [], 0
    for number, line in enumerate(FIXTURE.read_text(encoding="utf-8").splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("- {code:") and "file:" in line:
            row = yaml.safe_load(stripped[2:])
            text = texts[row["code"]]
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
            line = re.sub(r", (sha256|chars): [0-9a-f]+", "", line)
            line = line[: line.rindex("}")] + f", sha256: {digest}, chars: {len(text)}}}"
        elif stripped.startswith("- {") and ("fig:" in line or "cite:" in line):
            row = yaml.safe_load(stripped[2:])
            if row.get("doc") in texts and (row.get("cite") or row.get("fig")):
                text = texts[row["doc"]]
                needle = str(row.get("cite") or row["fig"])
                start = find_figure(text, needle, int(row.get("occ", 0)))
                if start < 0:
                    print(f"line {number}: {needle!r} not found in {row['doc']}", file=sys.stderr)
                    bad += 1
                else:
                    end = start + len(needle)
                    s_start, s_end = sentence_span(text, start, end)
                    at = f"at: [{start}, {end}, {s_start}, {s_end}]"
                    line = re.sub(r", at: \[[^\]]*\]", "", line)
                    line = line[: line.rindex("}")] + f", {at}}}"
        out.append(line)
    FIXTURE.write_text("\n".join(out) + "\n", encoding="utf-8")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
