"""The demo-data registry: one builder per domain, run in dependency order.

A builder is a function `build(ctx: DemoContext) -> None` registered with `@register(...)`. It
reads what earlier builders produced from `ctx` (for example `ctx.org.rep_ids`) and adds its own
results for later builders. Later issues add `salesdesk/demo/builders/customers.py`,
`.../pipeline.py` … each registering itself with `after=("org",)` or similar; every module of the
`salesdesk.demo.builders` package is imported automatically.

Rules for builders, so that demo data stays fast at millions of rows and reproducible:
- insert with `ctx.bulk_insert(Model, rows)` (bulk_create in batches, ids allocated up front by
  `ctx.allocate_ids`), never `save()` per row;
- draw every random choice from `ctx.rng_for("<builder name>")`, never from `random` directly, so
  the same seed gives the same data and adding a builder does not change the others' data;
- scale with `ctx.size` (its `scale(...)` helper) rather than hard-coded counts;
- register a `reset` function that deletes what the builder made (run in reverse order).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

BuildFn = Callable[["DemoContext"], None]  # noqa: F821 - forward reference for readers
ResetFn = Callable[["DemoContext"], None]  # noqa: F821


@dataclass
class Builder:
    name: str
    build: BuildFn
    after: tuple[str, ...] = ()
    reset: ResetFn | None = None
    description: str = ""


@dataclass
class DemoRegistry:
    builders: dict[str, Builder] = field(default_factory=dict)
    _loaded: bool = False

    def register(
        self,
        name: str,
        *,
        after: tuple[str, ...] = (),
        reset: ResetFn | None = None,
        description: str = "",
    ) -> Callable[[BuildFn], BuildFn]:
        def decorator(fn: BuildFn) -> BuildFn:
            self.builders[name] = Builder(
                name=name,
                build=fn,
                after=tuple(after),
                reset=reset,
                description=description or (fn.__doc__ or "").strip(),
            )
            return fn

        return decorator

    def load(self) -> None:
        """Import every module of salesdesk.demo.builders (each registers its builders)."""
        if self._loaded:
            return
        package = importlib.import_module("salesdesk.demo.builders")
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{module.name}")
        self._loaded = True

    def ordered(self, only: Iterable[str] | None = None) -> list[Builder]:
        """Builders in dependency order (a stable topological sort by registration order);
        with `only`, just those builders and what they need."""
        self.load()
        done: list[Builder] = []
        seen: set[str] = set()
        visiting: set[str] = set()

        def visit(builder: Builder) -> None:
            if builder.name in seen:
                return
            if builder.name in visiting:
                raise RuntimeError(f"demo builders have a dependency cycle at {builder.name!r}")
            visiting.add(builder.name)
            for dep in builder.after:
                if dep not in self.builders:
                    raise RuntimeError(f"demo builder {builder.name!r} needs unknown {dep!r}")
                visit(self.builders[dep])
            visiting.discard(builder.name)
            seen.add(builder.name)
            done.append(builder)

        if only is None:
            wanted = list(self.builders.values())
        else:
            unknown = sorted(set(only) - set(self.builders))
            if unknown:
                raise ValueError(f"unknown demo builders: {', '.join(unknown)}")
            wanted = [b for b in self.builders.values() if b.name in set(only)]
        for builder in wanted:
            visit(builder)
        return done


registry = DemoRegistry()
register = registry.register
