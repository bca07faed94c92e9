"""Schemas shared by several routers: short references to related records."""

from __future__ import annotations

from ninja import Schema


class UnitRef(Schema):
    id: int
    name: str


class UserRef(Schema):
    id: int
    username: str
    name: str


class RoleRef(Schema):
    id: int
    code: str
    name: str

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.display_name
