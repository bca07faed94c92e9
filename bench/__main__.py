"""Entry point: python -m bench <name> … (see BENCHMARKS below)."""

from __future__ import annotations

import argparse
import sys

from bench import (
    behaviour,
    coldstart,
    commissions,
    customers,
    demo,
    imports,
    metrics,
    performance,
    pipeline,
    pool,
    progress,
    scoping,
    segments,
    targets,
    web,
)
from bench.common import emit

BENCHMARKS = {
    "behaviour": behaviour,
    "coldstart": coldstart,
    "commissions": commissions,
    "customers": customers,
    "demo": demo,
    "imports": imports,
    "metrics": metrics,
    "performance": performance,
    "pipeline": pipeline,
    "pool": pool,
    "progress": progress,
    "scoping": scoping,
    "segments": segments,
    "targets": targets,
    "web": web,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("name", choices=sorted(BENCHMARKS))
    parser.add_argument("--size", help="benchmark size (demo: small|medium|large; scoping: users)")
    parser.add_argument(
        "--database-url",
        action="append",
        default=[],
        help="run on this database URL (repeatable); 'sqlite' = a temporary "
        "SQLite file. Default: sqlite and the local PostgreSQL if reachable",
    )
    parser.add_argument(
        "--existing",
        action="store_true",
        help="web: measure the database named by DATABASE_URL / SQLITE_PATH as it is",
    )
    parser.add_argument(
        "--entity",
        default="customers",
        help="imports: the record type to import (customers or opportunities)",
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    module = BENCHMARKS[args.name]
    if args.worker:  # internal: one database, in a process of its own
        return module.worker(args)
    name = args.name
    if name == "imports" and args.entity != "customers":
        name = f"imports_{args.entity}"  # bench/results/imports_opportunities.json
    if name in ("pipeline", "metrics") and args.size and int(args.size) >= 1_000_000:
        name = f"{name}_1m"  # bench/results/pipeline_1m.json beside the 100k figures
    emit(name, module.bench(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
