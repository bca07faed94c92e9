"""Reads of handovers and merges, scoped (ORG-2).

Handover records are a tool of people who may transfer customers: a user with the transfer
permission sees the handovers they made and those of reps in their scope (the previous owner is
a user they can see). Others see none (the timeline of their customers shows the handovers)."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from salesdesk.customers.handover.models import Handover, HandoverItem
from salesdesk.customers.models import Customer
from salesdesk.org.models import FunctionPermission, User
from salesdesk.org.scoping import visible_to

HANDOVER_SORTS = {
    "created": ("-created_at", "-id"),
    "-created": ("created_at", "id"),
    "count": ("-customer_count", "-id"),
}


def can_hand_over(user) -> bool:
    return bool(
        user.is_authenticated and user.is_active and user.has_function(FunctionPermission.TRANSFER)
    )


def handovers_visible(user: User, *, source: str | None = None) -> QuerySet[Handover]:
    if not can_hand_over(user):
        return Handover.objects.none()
    users = visible_to(User.objects.all(), user).values("id")
    qs = Handover.objects.filter(Q(from_user_id__in=users) | Q(actor_id=user.pk))
    if source:
        qs = qs.filter(source=source)
    return qs.select_related("actor", "from_user")


def handover_detail(user: User, pk: int) -> Handover:
    """One handover (DoesNotExist outside the user's reach)."""
    return handovers_visible(user).get(pk=pk)


def handover_items(user: User, handover: Handover) -> list[HandoverItem]:
    """The items with `customer_visible` set: names of customers the user cannot see (any
    more) are not shown. Two queries."""
    items = list(
        HandoverItem.objects.filter(handover=handover)
        .select_related("customer", "from_user", "to_user")
        .order_by("to_user_id", "customer__name", "id")
    )
    visible = set(
        visible_to(
            Customer.objects.filter(pk__in=[i.customer_id for i in items]), user
        ).values_list("pk", flat=True)
    )
    for item in items:
        item.customer_visible = item.customer_id in visible
    return items


def reps_with_customers(user: User) -> QuerySet[User]:
    """The users in `user`'s scope (deactivated ones included) with `customer_count`: how many
    customers (not deleted) they own that `user` may edit. One query."""
    from salesdesk.org.scoping import editable_by

    owned = (
        editable_by(Customer.objects.all(), user)
        .filter(owner_id=OuterRef("pk"))
        .order_by()
        .values("owner_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        visible_to(User.objects.all(), user)
        .select_related("unit")
        .annotate(customer_count=Coalesce(Subquery(owned, output_field=IntegerField()), 0))
        .order_by("-is_active", "display_name", "username")
    )


def customers_to_hand_over(user: User, from_user: User, *, q: str = "", level: str = ""):
    """The customers of `from_user` that `user` may hand over, filterable by name and level."""
    from salesdesk.org.scoping import editable_by

    qs = editable_by(Customer.objects.all(), user).filter(owner_id=from_user.pk)
    if q:
        q = q.strip()
        qs = qs.filter(
            Q(name__icontains=q) | Q(name_pinyin__icontains=q.lower()) | Q(code__icontains=q)
        )
    if level:
        qs = qs.filter(level=level)
    return qs.order_by("name", "id")


def handover_offer_count(viewer: User, person: User) -> int:
    """How many customers of a deactivated `person` the viewer could hand over (0 when the
    person is active or the viewer may not hand over): the "Hand over N customers" offer."""
    from salesdesk.org.scoping import editable_by

    if person.is_active or not can_hand_over(viewer):
        return 0
    return editable_by(Customer.objects.filter(owner_id=person.pk), viewer).count()
