"""`python -m bench customers --size large`: customer-side figures of issue 3 on the demo data.

Per database (a fresh scratch database each): migrate, time `salesdesk demo --size <size>` (small
2,000 / medium 50,000 / large 1,000,000 customers, ≈2 contacts each), then in a worker process:
- list: first page (50) of `level = A` sorted by -created_at, -id, plus the total count, as the
  demo director (a region) and the demo rep, and as samples of directors and reps; through
  `salesdesk.customers.selectors.customer_list` when it exists, else the equivalent scoped query;
- search (scoped, first 20 hits): Chinese substring of the name, full-pinyin prefix, initials
  prefix, phone prefix (customers' phone_key and contacts' mobile_key), each both as Django's
  `__contains`/`__startswith` (LIKE) and, for prefixes, as an index range (`>= p AND < p+1`);
- duplicate check on create: `salesdesk.customers.duplicates.duplicate_check` when it exists,
  else the indexed equality lookups on name_key, phone_key, email_key, credit_code_key (customers)
  and mobile_key, email_key (contacts), unscoped as CUS-5 requires; for existing values (hits)
  and fresh ones (misses);
- RFM recompute: the first run after the demo (writes scores and levels) and a second run (no
  changes; idempotent).
p50/p95 in milliseconds; each timed call starts from a fresh user object (scope id lists are
reloaded, as in a new request).

Also usable on an existing database: `DATABASE_URL=… python -m bench customers --worker`
(or SQLITE_PATH=…) prints the worker's JSON line.
"""

from __future__ import annotations

import json
import sys
import time

from bench.common import database_urls, run, scratch_database, summary_ms, worker_json

SIZES = {"small": 2_000, "medium": 50_000, "large": 1_000_000}
REPEAT = 5


def _size_name(value: str | None) -> str:
    if not value:
        return "large"
    if value in SIZES:
        return value
    n = int(value)
    return "small" if n <= 2_000 else "medium" if n <= 50_000 else "large"


def bench(args) -> dict:
    size = _size_name(args.size)
    results = {}
    for url in database_urls(args):
        with scratch_database(url) as (env, label):
            t0 = time.perf_counter()
            run([sys.executable, "-m", "salesdesk.cli", "manage", "migrate", "-v", "0"], env)
            migrate_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            out = run(
                [sys.executable, "-m", "salesdesk.cli", "demo", "--size", size],
                env,
                timeout=4 * 3600,
            ).stdout
            demo_s = time.perf_counter() - t0
            figures = worker_json("customers", env, [])
            results[label] = {
                "migrate_s": round(migrate_s, 1),
                "demo_command_s": round(demo_s, 1),
                "demo_output": out.strip().splitlines()[-1:] if out else [],
                **figures,
            }
    return {"size": size, "customers": SIZES[size], "repeat": REPEAT, "results": results}


def _timed(fn, times: list[float]):
    t0 = time.perf_counter()
    value = fn()
    times.append(time.perf_counter() - t0)
    return value


def _prefix_range(field: str, prefix: str) -> dict:
    """`field` starts with `prefix`, as an index range both databases can use."""
    return {f"{field}__gte": prefix, f"{field}__lt": prefix[:-1] + chr(ord(prefix[-1]) + 1)}


def worker(_args) -> int:
    import importlib
    import random

    import django

    django.setup()
    from django.db import connection
    from django.db.models import Q

    from salesdesk.customers.models import Contact, Customer
    from salesdesk.customers.rfm import rfm_recompute
    from salesdesk.org.models import User
    from salesdesk.org.scoping import visible_to

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    rng = random.Random(7)
    figures: dict = {
        "vendor": connection.vendor,
        "customers": Customer.all_objects.count(),
        "contacts": Contact.all_objects.count(),
    }
    try:
        selectors = importlib.import_module("salesdesk.customers.selectors")
        customer_list = getattr(selectors, "customer_list", None)
    except ImportError:
        customer_list = None
    try:
        duplicates = importlib.import_module("salesdesk.customers.duplicates")
        duplicate_check = getattr(duplicates, "duplicate_check", None)
    except ImportError:
        duplicate_check = None
    figures["used"] = {
        "customer_list": "selectors.customer_list" if customer_list else "visible_to query",
        "duplicate_check": "duplicates.duplicate_check" if duplicate_check else "key lookups",
    }

    def fresh(user: User) -> User:
        user.__dict__.pop("_salesdesk_scope_ids", None)
        return user

    def users(role: str, k: int) -> list[User]:
        people = list(User.objects.filter(role__code=role, is_active=True).select_related("role"))
        return rng.sample(people, min(k, len(people)))

    demo = {u.username: u for u in User.objects.filter(username__in=["director", "rep"])}
    viewers = {
        "demo_director": [demo["director"]],
        "demo_rep": [demo["rep"]],
        "directors": users("director", 6),
        "reps": users("rep", 30),
    }

    # ---- list: first page with a filter and a sort, plus the count ----------------------
    def page_fallback(user):
        qs = visible_to(Customer.objects.all(), user).filter(level="A")
        rows = list(qs.order_by("-created_at", "-id")[:50])
        return rows, qs.count()

    def page_selector(user):
        qs = customer_list(user, filters={"level": ["A"]}, sort="-created_at")
        return list(qs[:50]), qs.count()

    page = page_fallback
    if customer_list is not None:
        page = page_selector
    lists = {}
    for label, people in viewers.items():
        page(fresh(people[0]))  # warm
        times, counts = [], []
        for person in people:
            for _ in range(REPEAT if len(people) < 5 else 2):
                _rows, n = _timed(lambda p=person: page(fresh(p)), times)
                counts.append(n)
        lists[label] = {**summary_ms(times), "avg_count": round(sum(counts) / len(counts), 1)}
    figures["list_level_A_first_page"] = lists

    # ---- search ----------------------------------------------------------------------------
    lo = Customer.all_objects.order_by("id").first().id
    hi = Customer.all_objects.order_by("-id").first().id
    sample_ids = rng.sample(range(lo, hi + 1), 40)
    sample = list(
        Customer.all_objects.filter(id__in=sample_ids).values(
            "name", "kind", "name_pinyin", "name_initials", "phone_key", "email_key",
            "credit_code_key", "name_key", "phone", "email", "credit_code",
        )
    )  # fmt: skip
    companies = [s for s in sample if s["kind"] == "company" and s["name"][:1] >= "\u4e00"]
    terms = {
        "chinese_substring": [s["name"][2:4] for s in companies][:20],
        "pinyin_prefix": [s["name_pinyin"][:8] for s in sample][:20],
        "initials_prefix": [s["name_initials"][:4] for s in sample][:20],
        "phone_prefix": [s["phone_key"][:7] for s in sample if len(s["phone_key"]) >= 7][:20],
    }

    def search(user, kind: str, term: str, ranged: bool):
        base = visible_to(Customer.objects.all(), user)
        if kind == "chinese_substring":
            q = Q(name__contains=term)
        elif kind == "pinyin_prefix":
            q = (
                Q(**_prefix_range("name_pinyin", term))
                if ranged
                else Q(name_pinyin__startswith=term)
            )
        elif kind == "initials_prefix":
            q = (
                Q(**_prefix_range("name_initials", term))
                if ranged
                else Q(name_initials__startswith=term)
            )
        else:
            q = Q(**_prefix_range("phone_key", term)) if ranged else Q(phone_key__startswith=term)
        hits = list(base.filter(q).order_by().values_list("id", flat=True)[:20])
        if kind == "phone_prefix":
            contacts = visible_to(Contact.objects.all(), user)
            cq = (
                Q(**_prefix_range("mobile_key", term)) if ranged else Q(mobile_key__startswith=term)
            )
            hits += list(contacts.filter(cq).order_by().values_list("id", flat=True)[:20])
        return hits

    try:
        search_module = importlib.import_module("salesdesk.customers.search")
    except ImportError:
        search_module = None

    def global_search(user, term: str):
        """What the global search box runs (customers, contacts, phones; 10 each)."""
        return (
            search_module.search_customers(user, term, 10)
            + search_module.search_contacts(user, term, 10)
            + search_module.search_phones(user, term, 10)
        )

    searches = {}
    if search_module is not None:
        for kind, words in terms.items():
            for who in ("demo_director", "demo_rep"):
                person = viewers[who][0]
                global_search(fresh(person), words[0])  # warm
                times = []
                for word in words[:10]:
                    _timed(lambda w=word, p=person: global_search(fresh(p), w), times)
                searches[f"global_search:{kind}:{who}"] = summary_ms(times)
    for kind, words in terms.items():
        for ranged in (False, True) if kind != "chinese_substring" else (False,):
            key = f"{kind}{'_range' if ranged else '_like'}"
            for who in ("demo_director", "demo_rep"):
                person = viewers[who][0]
                search(fresh(person), kind, words[0], ranged)  # warm
                times = []
                for word in words:
                    _timed(
                        lambda w=word, p=person, k=kind, r=ranged: search(fresh(p), k, w, r),
                        times,
                    )
                searches[f"{key}:{who}"] = summary_ms(times)
    figures["search"] = searches

    # ---- duplicate check on create ------------------------------------------------------------
    actor = demo["rep"]

    def dup_lookup(values: dict):
        if duplicate_check is not None:
            return duplicate_check(
                actor=fresh(actor),
                name=values["name"],
                phone=values["phone"],
                email=values["email"],
                credit_code=values["credit_code"],
            )
        q = Q()
        for field in ("name_key", "phone_key", "email_key", "credit_code_key"):
            if values.get(field):
                q |= Q(**{field: values[field]})
        hits = list(Customer.objects.filter(q).values_list("id", "owner_id")[:10])
        cq = Q()
        if values.get("phone_key"):
            cq |= Q(mobile_key=values["phone_key"])
        if values.get("email_key"):
            cq |= Q(email_key=values["email_key"])
        if cq:
            hits += list(Contact.objects.filter(cq).values_list("id", "customer_id")[:10])
        return hits

    from salesdesk.customers.normalize import (
        normalize_email,
        normalize_name,
        normalize_phone,
    )

    def raw(name, phone, email, credit_code):
        return {
            "name": name,
            "phone": phone,
            "email": email,
            "credit_code": credit_code,
            "name_key": normalize_name(name),
            "phone_key": normalize_phone(phone),
            "email_key": normalize_email(email),
            "credit_code_key": credit_code.upper(),
        }

    hit_inputs = [raw(s["name"], s["phone"], s["email"], s["credit_code"]) for s in sample]
    miss_inputs = [
        raw(f"不存在的公司{i}有限公司", f"1990000{i:04d}", f"nobody{i}@example.invalid", "")
        for i in range(len(sample))
    ]
    dups = {}
    if duplicate_check is not None:
        try:
            dup_lookup(hit_inputs[0])
        except TypeError as exc:
            duplicate_check = None
            figures["used"]["duplicate_check"] = f"key lookups (duplicate_check: {exc})"
    for label, inputs in (("hits", hit_inputs), ("misses", miss_inputs)):
        dup_lookup(inputs[0])
        times = []
        for values in inputs:
            _timed(lambda v=values: dup_lookup(v), times)
        dups[label] = summary_ms(times)
    figures["duplicate_check"] = dups

    # ---- RFM -----------------------------------------------------------------------------------
    first = rfm_recompute()
    second = rfm_recompute()
    figures["rfm"] = {
        "first_run_s": first.seconds,
        "first_run_updated": first.updated,
        "first_run_level_changes": first.level_changes,
        "second_run_s": second.seconds,
        "second_run_updated": second.updated,
        "scored": first.scored,
        "unscored": first.unscored,
    }
    print(json.dumps(figures, ensure_ascii=False))
    return 0
