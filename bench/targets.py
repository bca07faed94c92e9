"""`python -m bench targets --size 1000`: decomposition of a company year goal (TGT-2).

Per database (a fresh scratch database each): migrate, create an organisation of N reps (50 per
region … 20 per team), then time `goal_decompose` of a company year goal on the signed amount
(custom seasonality) to every rep × every working day of the year: the people split, the time
split and the bulk insert of all parts, in one transaction (goal: < 5 s for 1,000 reps). Also
timed: decomposing again (the old parts deleted first), one grid edit of a team's total (its
people's parts re-split) and the units × months grid read of the whole company.
"""

from __future__ import annotations

import json
import sys
import time

from bench.common import database_urls, run, scratch_database

SEASONALITY = [7, 5, 8, 8, 9, 10, 8, 8, 9, 8, 9, 11]


def bench(args) -> dict:
    size = int(args.size or 1000)
    results = {}
    for url in database_urls(args):
        with scratch_database(url) as (env, label):
            run([sys.executable, "-m", "salesdesk.cli", "manage", "migrate", "-v", "0"], env)
            done = run(
                [sys.executable, "-m", "bench", "targets", "--worker", "--size", str(size)], env
            )
            results[label] = json.loads(done.stdout.strip().splitlines()[-1])
    return {"reps": size, "results": results}


def _organisation(reps: int):
    from salesdesk.org.models import OrgUnit, Role, User

    roles = {r.code: r for r in Role.objects.all()}
    company = OrgUnit.objects.create(name="Company", kind="company")
    OrgUnit.objects.filter(pk=company.pk).update(path=f"/{company.pk}/")
    company.refresh_from_db()
    admin = User.objects.create(username="admin", role=roles["admin"], unit=company)
    people = []
    per_team, teams_per_region = 20, 5
    teams = []
    for r in range((reps + per_team * teams_per_region - 1) // (per_team * teams_per_region)):
        region = OrgUnit.objects.create(name=f"Region {r}", kind="region", parent=company)
        OrgUnit.objects.filter(pk=region.pk).update(path=f"{company.path}{region.pk}/", depth=1)
        region.path = f"{company.path}{region.pk}/"
        for t in range(teams_per_region):
            team = OrgUnit.objects.create(name=f"Team {r}-{t}", kind="team", parent=region)
            OrgUnit.objects.filter(pk=team.pk).update(path=f"{region.path}{team.pk}/", depth=2)
            teams.append(team)
    for i in range(reps):
        people.append(User(username=f"rep{i}", role=roles["rep"], unit=teams[i // per_team]))
    User.objects.bulk_create(people, batch_size=1000)
    return admin, teams


def worker(args) -> int:
    import django

    django.setup()
    from django.db import connection, transaction

    from salesdesk.targets import selectors, services
    from salesdesk.targets.models import GoalPart, Granularity

    reps = int(args.size or 1000)
    admin, teams = _organisation(reps)
    goal = services.goal_create(
        actor=admin,
        name="Company 2026",
        metric="signed_amount",
        owner_kind="company",
        period_kind="year",
        year=2026,
        target_value="1234567890.12",
    )

    def decompose():
        t0 = time.perf_counter()
        services.goal_decompose(
            actor=admin,
            goal=goal,
            method="equal",
            seasonality="custom",
            seasonality_weights=SEASONALITY,
        )
        return time.perf_counter() - t0

    first = decompose()
    parts = GoalPart.objects.filter(goal=goal).count()
    days = GoalPart.objects.filter(goal=goal, granularity=Granularity.DAY).count()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    again = decompose()
    goal.refresh_from_db()
    team_part = GoalPart.objects.get(
        goal=goal, granularity=Granularity.PERIOD, owner_unit=teams[0], owner_user=None
    )
    t0 = time.perf_counter()
    services.part_set_amount(
        actor=admin,
        goal=goal,
        part_id=team_part.pk,
        amount=team_part.amount + 1000,
        mode="siblings",
    )
    edit = time.perf_counter() - t0
    goal.refresh_from_db()
    t0 = time.perf_counter()
    with transaction.atomic():
        rows = selectors.owner_rows(goal)
        selectors.month_grid(goal, selectors.root_row(rows))
    grid = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "parts": parts,
                "day_parts": days,
                "decompose_s": round(first, 2),
                "decompose_again_s": round(again, 2),
                "edit_team_total_s": round(edit, 2),
                "company_month_grid_s": round(grid, 2),
            }
        )
    )
    return 0
