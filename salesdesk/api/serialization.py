"""Answering a list without django-ninja's per-field response validation.

ninja validates every response: each field of each row goes through its `DjangoGetter` (a Python
`__getattr__` with conversions) and pydantic, which is about a third of the CPU of a 50-row list
(a customer has 45 fields). For lists whose rows come straight from the database the values
already have the declared types, so `dump(schema, obj)` reads them as ninja does (resolvers,
related managers, nested schemas, aliases) into plain dicts, and `page_response` renders the page
with the API's own renderer. The operation keeps `response=page_of(schema)` for its OpenAPI
contract.

Only for schemas without validators of their own (checked), and each list using it has a test
comparing its output with the validated path (tests/api/test_serialization.py).
"""

from __future__ import annotations

import types
from functools import cache
from typing import Any, Union, get_args, get_origin

from django.db.models import Manager, QuerySet
from ninja import Schema


def _schema_in(annotation) -> tuple[type[Schema] | None, bool]:
    """(nested schema, is a list of it) for a field annotation."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        for arg in get_args(annotation):
            if arg is not type(None):
                return _schema_in(arg)
        return None, False
    if origin in (list, tuple, set):
        args = get_args(annotation)
        inner, _many = _schema_in(args[0]) if args else (None, False)
        return inner, True
    if isinstance(annotation, type) and issubclass(annotation, Schema):
        return annotation, False
    return None, False


def _own_validators(schema: type[Schema]) -> bool:
    decorators = schema.__pydantic_decorators__
    model_validators = [n for n in decorators.model_validators if n != "_run_root_validator"]
    return bool(
        decorators.field_validators
        or decorators.validators
        or decorators.root_validators
        or model_validators
    )


@cache
def _plan(schema: type[Schema]) -> tuple:
    """Per field: (output name, attribute path, resolver, nested schema, is a list, default)."""
    if _own_validators(schema):
        raise TypeError(f"{schema.__name__} has validators: dump() would skip them")
    resolvers = getattr(schema, "_ninja_resolvers", {})
    plan = []
    for name, field in schema.model_fields.items():
        resolver = resolvers.get(name)
        if resolver is not None and (not resolver._static or resolver._takes_context):
            raise TypeError(f"{schema.__name__}.resolve_{name}: only plain static resolvers")
        nested, many = _schema_in(field.annotation)
        path = tuple((field.alias or name).split("."))
        default = ... if field.is_required() else field.get_default(call_default_factory=True)
        plan.append((name, path, resolver._func if resolver else None, nested, many, default))
    return tuple(plan)


def _read(obj: Any, path: tuple[str, ...]):
    for part in path:
        obj = obj[part] if isinstance(obj, dict) else getattr(obj, part)
        if obj is None:
            return None
    if isinstance(obj, Manager):
        return list(obj.all())
    if isinstance(obj, QuerySet):
        return list(obj)
    if callable(obj):
        return obj()
    return obj


def dump(schema: type[Schema], obj: Any) -> dict:
    """The JSON-ready dict of `obj` under `schema`, read as ninja would, without validation."""
    out = {}
    for name, path, resolver, nested, many, default in _plan(schema):
        if resolver is not None:
            value = resolver(obj)
        else:
            try:
                value = _read(obj, path)
            except (AttributeError, KeyError):
                if default is ...:
                    raise
                value = default
        if nested is not None and value is not None:
            value = [dump(nested, v) for v in value] if many else dump(nested, value)
        elif many and value is not None:
            value = list(value)
        out[name] = value
    return out


def page_response(request, page: dict, item_schema: type[Schema]):
    """The rendered answer of a page whose items are `item_schema` rows."""
    from salesdesk.api.router import api

    data = {**page, "items": [dump(item_schema, item) for item in page["items"]]}
    return api.create_response(request, data, status=200)
