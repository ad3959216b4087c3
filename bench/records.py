"""Records at volume: the demo in a PostgreSQL database of its own, then N activities, N disbursements, N
consumption-aid sales and N people (bulk-inserted), then

- a full recount of every derivation (`shanhai records recount`), beside the baseline of the same sums as
  one GROUP BY query per derivation in the same run;
- record changes through the service (`operations.registers.update`), each recounting only its cells: p50 and
  p95, beside the baseline of the same update with the derived values switched off;
- a filtered first page of each register's list (the list kit, as the page and /api/v1/lists serve it).

    .venv/bin/python bench/records.py [--records 100000] [--changes 200]

Needs PostgreSQL on 127.0.0.1:5432 (user postgres); creates and drops the database shanhai_bench_records.
The suite runs it at a tiny size (tests/bench).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import date, timedelta

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session
from volume import laps, own_database, p50_p95  # bench/volume.py, beside this script

from shanhai.auth.scope import SYSTEM
from shanhai.fixtures.loader import load_demo
from shanhai.indicators.service import ensure_period
from shanhai.lists import run as lists
from shanhai.lists.records import RECORD_SPECS
from shanhai.lists.spec import parse
from shanhai.migrations import upgrade
from shanhai.operations.models import Activity, ConsumptionSale, Disbursement, FundPlan, Person
from shanhai.orgunits.models import OrgUnit
from shanhai.programmes.models import Programme
from shanhai.registers import catalogue, derive
from shanhai.registers import kit as reg

PLACES = ("P-XJ-KT", "P-SX-BJ", "P-QH-YS", "P-QH-XH", "P-CQ-YY", "P-LN-FS")


def fill(session: Session, n: int) -> None:
    rng = random.Random(7)
    units = [session.scalars(select(OrgUnit.id).where(OrgUnit.code == c)).one() for c in PLACES]
    programmes = list(session.scalars(select(Programme.id)))
    start = date(2015, 1, 1)
    plans = []
    for year in range(2005, 2025):  # the demo has the 2025 plans
        for unit in units:
            plan = FundPlan(
                programme_id=programmes[units.index(unit) % len(programmes)],
                org_unit_id=unit,
                year=year,
                amount=10**11,
            )
            session.add(plan)
            plans.append(plan)
    session.flush()
    for year in range(2005, 2027):
        ensure_period(session=session, period_id=str(year))
    for d in catalogue.derivations():
        derive._element(session, d)
    batch = 10_000
    for first in range(0, n, batch):
        size = min(batch, n - first)
        day = [start + timedelta(days=rng.randrange(4000)) for _ in range(size)]
        session.execute(
            insert(Activity),
            [
                {
                    "title": f"活动{first + i}",
                    "kind": rng.choice(("招聘会", "技能培训", "医疗巡诊", "其他")),
                    "held_on": day[i],
                    "org_unit_id": rng.choice(units),
                    "programme_id": rng.choice(programmes),
                    "sessions": rng.randint(1, 5),
                    "placements": rng.randint(0, 50),
                    "patients": rng.randint(0, 100),
                    "qualifier": "exact",
                    "note": "",
                    "organiser": "",
                    "version": 1,
                }
                for i in range(size)
            ],
        )
        chosen = [rng.choice(plans) for _ in range(size)]
        session.execute(
            insert(Disbursement),
            [
                {
                    "plan_id": p.id,
                    "plan_year": p.year,
                    "org_unit_id": p.org_unit_id,
                    "programme_id": p.programme_id,
                    "paid_on": date(p.year, rng.randint(1, 12), rng.randint(1, 28)),
                    "amount": rng.randint(1, 10**6),
                    "purpose": "",
                    "voucher": f"V{first + i}",
                    "over_reason": "",
                    "note": "",
                    "version": 1,
                }
                for i, p in enumerate(chosen)
            ],
        )
        session.execute(
            insert(ConsumptionSale),
            [
                {
                    "org_unit_id": rng.choice(units),
                    "programme_id": rng.choice(programmes),
                    "channel": f"门店{i % 300}",
                    "period_id": str(2015 + rng.randrange(11)),
                    "amount": rng.randint(1, 10**6),
                    "qualifier": "exact",
                    "note": "",
                    "version": 1,
                }
                for i in range(size)
            ],
        )
        session.execute(
            insert(Person),
            [
                {
                    "name": f"人员{first + i}",
                    "category": rng.choice(("教师", "医生", "党政干部")),
                    "org_unit_id": rng.choice(units),
                    "programme_id": rng.choice(programmes),
                    "start_on": day[i],
                    "end_on": day[i] + timedelta(days=540),
                    "full_time": True,
                    "status": "在岗",
                    "home_org": "",
                    "post": "",
                    "id_number": "",
                    "phone": "",
                    "note": "",
                    "version": 1,
                }
                for i in range(size)
            ],
        )
    for table in ("activities", "disbursements", "consumption_sales", "people", "periods"):
        session.execute(text(f"ANALYZE {table}"))
    session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--changes", type=int, default=200)
    args = parser.parse_args()
    with own_database("shanhai_bench_records") as engine:
        upgrade(engine)
        with Session(engine) as session:
            load_demo(session=session)
            session.commit()
            began = time.perf_counter()
            fill(session, args.records)
            print(f"filled {args.records:,} records of 4 kinds in {time.perf_counter() - began:.1f} s")

            began = time.perf_counter()
            for d in catalogue.derivations():  # baseline: the sums alone, one GROUP BY per derivation
                measure = func.sum(d.column(d.measure)) if d.measure else func.count()
                session.execute(
                    select(d.model.org_unit_id, d.model.programme_id, measure).group_by(
                        d.model.org_unit_id, d.model.programme_id
                    )
                ).all()
            baseline = time.perf_counter() - began
            began = time.perf_counter()
            counts = derive.recount(session=session, actor=SYSTEM)
            session.commit()
            full = time.perf_counter() - began
            print(
                f"full recount: {full:.1f} s for {sum(counts.values()):,} cells "
                f"(baseline GROUP BY: {baseline:.1f} s)"
            )
            began = time.perf_counter()
            derive.recount(session=session, actor=SYSTEM)
            session.commit()
            print(f"second recount (nothing to write): {time.perf_counter() - began:.1f} s")

            rng = random.Random(3)
            ids = list(session.scalars(select(Activity.id).order_by(func.random()).limit(args.changes)))
            rtype = reg.get_type("activities")

            def change() -> None:
                obj = session.get_one(Activity, ids[rng.randrange(len(ids))])
                raw = {
                    "version": obj.version,
                    "sessions": rng.randint(1, 9),
                    "held_on": str(date(2016, 1, 1) + timedelta(days=rng.randrange(3000))),
                }
                reg.update(session=session, actor=SYSTEM, rtype=rtype, record_id=obj.id, raw=raw)
                session.commit()

            with_derive = laps(change, args.changes)
            refresh = derive.refresh
            derive.refresh = lambda **_: 0  # type: ignore[assignment] # the baseline: no derived values
            try:
                without = laps(change, args.changes)
            finally:
                derive.refresh = refresh  # type: ignore[assignment]
            print(p50_p95("record change + its cells", with_derive))
            print(p50_p95("baseline: change alone", without))

            for name, spec in RECORD_SPECS.items():
                params = {
                    "unit": str(session.scalars(select(OrgUnit.id).where(OrgUnit.code == "P-XJ-KT")).one())
                }
                query = parse(spec, params, session=session, actor=SYSTEM)
                series = laps(
                    lambda spec=spec, query=query: lists.run(spec, query, session=session, actor=SYSTEM), 7
                )
                print(f"list {name} (unit filter): p50 {statistics.median(series):.1f} ms")


if __name__ == "__main__":
    main()
