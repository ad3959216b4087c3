"""企业库 and 招商引资 at volume: the demo in a PostgreSQL database of its own, then N enterprises (valid
统一社会信用代码, pinyin initials), 3N qualifications, 10N support records and N/5 investment leads (bulk-
inserted, then one recount of what they derive), and

- search in the enterprise list (the list kit, as the page and /api/v1/lists serve it) by part of a name,
  by a credit code's head and by pinyin initials: p50, beside the baseline of a hand-written
  `SELECT … WHERE name LIKE '%…%' LIMIT 20` in the same run;
- the 招商进度 and 科技企业概况 views (flows.pipelines): p50, beside the baseline of the funnel's bare
  GROUP BY in the same run;
- a support record's change through the register kit with its derived cells: p50 and p95, beside the baseline
  of the same change with the derived values switched off.

    .venv/bin/python bench/enterprises.py [--firms 100000] [--changes 200]

Needs PostgreSQL on 127.0.0.1:5432 (user postgres); creates and drops its own database.
The suite runs it at a tiny size (tests/bench).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import date, timedelta

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session
from volume import laps, own_database, p50_p95  # bench/volume.py, beside this script

from shanhai.auth.scope import SYSTEM
from shanhai.enterprises.models import QUALIFICATION_KINDS, SUPPORT_KINDS, Enterprise, Qualification, Support
from shanhai.enterprises.registers import DERIVATIONS, initials, name_key
from shanhai.fixtures.loader import load_demo
from shanhai.flows import pipelines
from shanhai.lib import uscc
from shanhai.lists import run as lists
from shanhai.lists.records import RECORD_SPECS
from shanhai.lists.spec import parse
from shanhai.migrations import upgrade
from shanhai.orgunits.models import OrgKind, OrgUnit
from shanhai.programmes.models import Programme
from shanhai.projects.models import STAGES, Project, ProjectKind, size_class
from shanhai.registers import derive
from shanhai.registers import kit as reg

SYLLABLES = "华泰恒信达瑞丰鑫源盛科创智联晨星光电新能材料精密装备矿山机械生物医药数字云通"
TRADES = ("科技", "电子", "新材料", "机械", "智能装备", "生物医药", "软件", "能源")


def code(rng: random.Random) -> str:
    head = "91" + "3203" + f"{rng.randrange(100):02d}" + "".join(rng.choice(uscc.CHARSET) for _ in range(9))
    return head + uscc.check_character(head)


def fill(session: Session, firms: int) -> None:
    rng = random.Random(7)
    zones = list(session.scalars(select(OrgUnit.id).where(OrgUnit.kind == OrgKind.DISTRICT.value)))
    kc = session.scalars(select(Programme.id).where(Programme.code == "KC")).one()
    zs = session.scalars(select(Programme.id).where(Programme.code == "ZS")).one()
    batch = 10_000
    seen: set[str] = set()
    for first in range(0, firms, batch):
        rows = []
        for i in range(first, min(first + batch, firms)):
            name = f"徐州{''.join(rng.sample(SYLLABLES, 3))}{rng.choice(TRADES)}有限公司{i}"
            credit = code(rng)
            while credit in seen:
                credit = code(rng)
            seen.add(credit)
            rows.append(
                {
                    "name": name,
                    "credit_code": credit,
                    "org_unit_id": rng.choice(zones),
                    "initials": initials(name),
                    "name_key": name_key(name),
                    "former_names": "",
                    "address": "",
                    "contacts": [],
                    "note": "",
                    "version": 1,
                }
            )
        session.execute(insert(Enterprise), rows)
    firm_units = list(session.execute(select(Enterprise.id, Enterprise.org_unit_id)))
    for first in range(0, 3 * firms, batch):
        session.execute(
            insert(Qualification),
            [
                {
                    "enterprise_id": firm,
                    "org_unit_id": unit,
                    "programme_id": kc,
                    "kind": rng.choice(QUALIFICATION_KINDS),
                    "year": 2016 + rng.randrange(10),
                    "certificate_no": f"GR{first + i}",
                    "summary": False,
                    "firms": 1,
                    "qualifier": "exact",
                    "note": "",
                    "version": 1,
                }
                for i, (firm, unit) in enumerate(rng.choices(firm_units, k=min(batch, 3 * firms - first)))
            ],
        )
    for first in range(0, 10 * firms, batch):
        session.execute(
            insert(Support),
            [
                {
                    "enterprise_id": firm,
                    "org_unit_id": unit,
                    "programme_id": kc,
                    "kind": (kind := rng.choice(SUPPORT_KINDS)),
                    "product": rng.choice(("苏科贷", "高企贷")) if kind == "贷款" else "",
                    "provider": "",
                    "amount": rng.randint(1, 5000) * 10_000,
                    "granted_on": date(2016, 1, 1) + timedelta(days=rng.randrange(3650)),
                    "summary": False,
                    "times": 1,
                    "qualifier": "exact",
                    "note": "",
                    "version": 1,
                }
                for firm, unit in rng.choices(firm_units, k=min(batch, 10 * firms - first))
            ],
        )
    stages = [*STAGES[ProjectKind.INVESTMENT], "终止"]
    leads = []
    for i in range(firms // 5):
        stage = rng.choice(stages)
        investment = rng.randint(1, 20_000) * 1_000_000
        leads.append(
            {
                "code": f"BENCH-LEAD-{i}",
                "name": f"招商项目{i}",
                "kind": "investment",
                "stage": stage,
                "org_unit_id": rng.choice(zones),
                "programme_id": zs,
                "investment": investment,
                "size_class": size_class(investment),
                "investor": f"投资方{i}",
                "signed_on": date(2020, 1, 1) + timedelta(days=rng.randrange(2500))
                if stage in ("签约", "开工", "投产")
                else None,
                "stage_since": date(2024, 1, 1) + timedelta(days=rng.randrange(1000)),
                "version": 1,
            }
        )
    for first in range(0, len(leads), batch):
        session.execute(insert(Project), leads[first : first + batch])
    for table in ("enterprises", "qualifications", "enterprise_support", "projects"):
        session.execute(text(f"ANALYZE {table}"))
    session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--firms", type=int, default=100_000)
    parser.add_argument("--changes", type=int, default=200)
    args = parser.parse_args()
    with own_database("shanhai_bench_enterprises") as engine:
        upgrade(engine)
        with Session(engine) as session:
            load_demo(session=session)
            session.commit()
            began = time.perf_counter()
            fill(session, args.firms)
            print(
                f"filled {args.firms:,} enterprises, {3 * args.firms:,} qualifications, "
                f"{10 * args.firms:,} support records, {args.firms // 5:,} leads "
                f"in {time.perf_counter() - began:.1f} s"
            )
            began = time.perf_counter()
            codes = [d.code for d in DERIVATIONS] + [
                "leads_signed",
                "leads_signed_mega",
                "leads_signed_fifty",
            ]
            counts = derive.recount(session=session, actor=SYSTEM, codes=codes)
            session.commit()
            took = time.perf_counter() - began
            print(f"recount of what they derive: {took:.1f} s, {sum(counts.values()):,} cells")
            # the steady state autovacuum keeps after a bulk load: visibility maps set (index-only scans)
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                loaded = ("enterprises", "qualifications", "enterprise_support", "projects", "data_values")
                for table in loaded:
                    c.execute(text(f"VACUUM ANALYZE {table}"))

            spec = RECORD_SPECS["enterprises"]
            sample = session.scalars(
                select(Enterprise).where(Enterprise.credit_code.is_not(None)).order_by(Enterprise.id).limit(1)
            ).one()
            for label, typed in (
                ("name", sample.name[2:6]),
                ("credit code", (sample.credit_code or "")[:10]),
                ("pinyin initials", sample.initials[2:6]),
            ):
                query = parse(spec, {"q": typed}, session=session, actor=SYSTEM)
                series = laps(lambda query=query: lists.run(spec, query, session=session, actor=SYSTEM), 9)
                print(f"search by {label} ({typed}): p50 {statistics.median(series):.1f} ms")
            raw = text("SELECT id, name FROM enterprises WHERE name LIKE :q ORDER BY id DESC LIMIT 20")
            series = laps(lambda: session.execute(raw, {"q": f"%{sample.name[2:6]}%"}).all(), 9)
            print(f"baseline: bare LIKE on the name, first 20: p50 {statistics.median(series):.1f} ms")

            year = 2024
            for label, view in (
                ("招商进度 view", lambda: pipelines.investment(session=session, actor=SYSTEM, year=year)),
                ("科技企业概况 view", lambda: pipelines.scitech(session=session, actor=SYSTEM, year=year)),
            ):
                series = laps(view, 7)
                print(f"{label}: p50 {statistics.median(series):.1f} ms")
            funnel = text(
                "SELECT org_unit_id, stage, count(*) FROM projects WHERE kind = 'investment' "
                "GROUP BY org_unit_id, stage"
            )
            series = laps(lambda: session.execute(funnel).all(), 7)
            print(f"baseline: the funnel's bare GROUP BY: p50 {statistics.median(series):.1f} ms")

            rng = random.Random(3)
            ids = list(session.scalars(select(Support.id).order_by(Support.id).limit(args.changes)))
            rtype = reg.get_type("support")

            def change() -> None:
                obj = session.get_one(Support, ids[rng.randrange(len(ids))])
                raw = {"version": obj.version, "amount": str(rng.randint(1, 5000) * 10_000)}
                reg.update(session=session, actor=SYSTEM, rtype=rtype, record_id=obj.id, raw=raw)
                session.commit()

            with_derive = laps(change, args.changes)
            refresh = derive.refresh
            derive.refresh = lambda **_: 0  # type: ignore[assignment] # the baseline: no derived values
            try:
                without = laps(change, args.changes)
            finally:
                derive.refresh = refresh  # type: ignore[assignment]
            print(p50_p95("support change + its cells", with_derive))
            print(p50_p95("baseline: change alone", without))


if __name__ == "__main__":
    main()
