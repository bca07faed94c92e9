"""Customer pages (CUS-1, CUS-4, CUS-5, CUS-8): list with views and filters, customer 360,
create/edit with live duplicate check, contacts, follow-ups and my tasks.

Transport only: reads go through salesdesk.customers.selectors (scoped), writes through
salesdesk.customers.services; this module parses requests and renders.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from salesdesk.core.locking import StaleEditError
from salesdesk.core.models import SavedView, UserPreference
from salesdesk.customers import services
from salesdesk.customers.models import Contact, Customer, FollowUp, Task
from salesdesk.org.models import FunctionPermission
from salesdesk.web import lists
from salesdesk.web.customers.forms import (
    DUPLICATE_FIELDS,
    ContactForm,
    CustomerFilterForm,
    CustomerForm,
    FollowUpForm,
    SavedViewForm,
    TaskForm,
    TransferForm,
)
from salesdesk.web.customers.table import customer_cells, user_pairs
from salesdesk.web.forms import apply_service_error, save_through_service
from salesdesk.web.history import field_history
from salesdesk.web.html import select_options
from salesdesk.web.pagination import PAGE_SIZES, paginate, query_without

PREFERENCE_KEY = "customers.list"
SAVED_VIEW_PAGE = "customers"
MAX_BULK = lists.MAX_BULK

# Built-in views (tabs) of the customer list: URL value → label.
VIEWS = {
    "mine": gettext_lazy("Mine"),
    "subordinates": gettext_lazy("Subordinates"),
    "all": gettext_lazy("All"),
    "today": gettext_lazy("To contact today"),
    "soon_to_pool": gettext_lazy("Soon to pool"),
}
DEFAULT_VIEW = "all"

# Sortable columns: URL value → (selector ordering, label).
SORTS = {
    "name": ("name", gettext_lazy("Name")),
    "level": ("level", gettext_lazy("Level")),
    "last_follow_up": ("last_follow_up_at", gettext_lazy("Last follow-up")),
    "next_follow_up": ("next_follow_up_at", gettext_lazy("Next follow-up")),
    "purchase_value": ("purchase_value", gettext_lazy("Purchase value")),
    "created": ("created_at", gettext_lazy("Created")),
}
DEFAULT_SORT = "-created"

# Optional columns (the column chooser); the name is always shown.
COLUMNS = {
    "level": gettext_lazy("Level"),
    "kind": gettext_lazy("Kind"),
    "owner": gettext_lazy("Owner"),
    "unit": gettext_lazy("Org unit"),
    "phone": gettext_lazy("Phone"),
    "industry": gettext_lazy("Industry"),
    "city": gettext_lazy("City"),
    "source": gettext_lazy("Source"),
    "last_follow_up": gettext_lazy("Last follow-up"),
    "next_follow_up": gettext_lazy("Next follow-up"),
    "purchase_value": gettext_lazy("Purchase value"),
    "created": gettext_lazy("Created"),
}
DEFAULT_COLUMNS = ["level", "owner", "phone", "city", "last_follow_up", "next_follow_up"]
# Query parameters that make up a view (remembered; page and size are not).
VIEW_PARAMS = ("view", "q", "sort", *CustomerFilterForm.FILTER_KEYS)
TASK_TABS = {
    "today": gettext_lazy("Today"),
    "overdue": gettext_lazy("Overdue"),
    "upcoming": gettext_lazy("Upcoming"),
    "done": gettext_lazy("Done"),
}


# ---- permissions (ORG-3) and helpers ----------------------------------------------------------


def can_transfer(user) -> bool:
    return bool(user.is_authenticated and user.has_function(FunctionPermission.TRANSFER))


def can_delete(user) -> bool:
    return bool(user.is_authenticated and user.has_function(FunctionPermission.DELETE))


def can_export(user) -> bool:
    return bool(user.is_authenticated and user.has_function(FunctionPermission.EXPORT))


def _export_url() -> str:
    try:
        return reverse("web:customer_export")
    except NoReverseMatch:
        return ""


def _selectors():
    from salesdesk.customers import selectors

    return selectors


def _visible_customer(user, pk: int) -> Customer:
    try:
        return _selectors().customer_detail(user, pk)
    except ObjectDoesNotExist:
        raise Http404 from None


def _editable_customer(user, pk: int) -> Customer:
    customer = (
        Customer.objects.editable_by(user)
        .filter(owner__isnull=False)  # pool customers: see salesdesk.web.pool
        .select_related("owner", "org_unit")
        .filter(pk=pk)
    )
    customer = customer.first()
    if customer is None:
        if Customer.objects.visible_to(user).filter(pk=pk).exists():
            raise PermissionDenied
        raise Http404
    return customer


def _editable_contact(user, pk: int) -> Contact:
    contact = Contact.objects.editable_by(user).select_related("customer").filter(pk=pk).first()
    if contact is None:
        if Contact.objects.visible_to(user).filter(pk=pk).exists():
            raise PermissionDenied
        raise Http404
    return contact


def _view_query(params) -> str:
    """The part of a query string that defines a view (no page, size or empty values)."""
    pairs = [(k, v) for k, v in params.items() if k in VIEW_PARAMS and v not in ("", None)]
    return urlencode(sorted(pairs))


def _preference(user) -> UserPreference | None:
    return lists.preference(user, PREFERENCE_KEY)


def _save_preference(user, pref: UserPreference | None, **changes) -> None:
    lists.save_preference(user, PREFERENCE_KEY, pref, **changes)


_safe_back = lists.safe_back


# ---- customer list ----------------------------------------------------------------------------


@login_required
def customer_list(request):
    user = request.user
    pref = _preference(user)
    remembered = (pref.value if pref else {}) or {}
    params = request.GET
    if not any(k in params for k in VIEW_PARAMS) and remembered.get("query"):
        # A bare visit shows the remembered view; its URL reproduces it.
        return HttpResponseRedirect(f"{request.path}?{remembered['query']}")
    view = params.get("view", DEFAULT_VIEW)
    if view not in VIEWS:
        view = DEFAULT_VIEW
    filters = CustomerFilterForm(params, actor=user)
    filters.is_valid()
    selector_filters = filters.selector_filters()
    q = (filters.cleaned_data.get("q") or "").strip() if "q" not in filters.errors else ""
    sort = params.get("sort", DEFAULT_SORT)
    key = sort.lstrip("-")
    if key not in SORTS:
        sort, key = DEFAULT_SORT, DEFAULT_SORT.lstrip("-")
    descending = sort.startswith("-")
    ordering = ("-" if descending else "") + SORTS[key][0]
    columns_chosen = [c for c in remembered.get("columns", DEFAULT_COLUMNS) if c in COLUMNS]
    query = _view_query(params)
    _save_preference(user, pref, query=query)

    qs = _selectors().customer_list(user, view=view, q=q, filters=selector_filters, sort=ordering)
    page = paginate(request, qs)
    saved_views = list(SavedView.objects.filter(user=user, page=SAVED_VIEW_PAGE).order_by("name"))
    for saved in saved_views:
        saved.active = saved.query == query
    sort_columns = {
        k: {
            "key": k,
            "label": label,
            "active": k == key,
            "descending": descending and k == key,
            "next": f"-{k}" if (k == key and not descending) else k,
        }
        for k, (_o, label) in SORTS.items()
    }
    tabs = [
        {
            "key": k,
            "label": label,
            "url": "?" + urlencode({"view": k}),
            "active": k == view and not any(s.active for s in saved_views),
        }
        for k, label in VIEWS.items()
    ]
    export_url = _export_url() if can_export(user) else ""
    transfer_form = TransferForm(actor=user) if can_transfer(user) else None
    people = user_pairs(filters.fields["owner"].queryset, with_active=True)
    context = {
        "page": page,
        "customers": page.object_list,
        "filters": filters,
        "filter_values": {k: params.get(k, "") for k in VIEW_PARAMS},
        "owner_options": select_options(
            [(pk, name) for pk, name, _active in people], params.get("owner", "")
        ),
        "unit_options": select_options(
            filters.fields["unit"].queryset.values_list("pk", "name"), params.get("unit", "")
        ),
        "tag_options": select_options(
            filters.fields["tag"].queryset.values_list("pk", "name"), params.get("tag", "")
        ),
        # The transfer form offers the active ones of the same users (one query for both).
        "transfer_options": (
            select_options([(pk, name) for pk, name, active in people if active])
            if transfer_form
            else ""
        ),
        "rows": [(c, customer_cells(c, columns_chosen)) for c in page.object_list],
        "view": view,
        "tabs": tabs,
        "saved_views": saved_views,
        "sort_columns": sort_columns,
        "sort": sort,
        "sort_query": query_without(request, "sort", "page"),
        "page_query": query_without(request, "page"),
        "page_sizes": PAGE_SIZES,
        "columns": columns_chosen,
        "all_columns": list(COLUMNS.items()),
        "query": query,
        "is_filtered": bool(q or selector_filters),
        "can_transfer": can_transfer(user),
        "can_delete": can_delete(user),
        "export_url": export_url,
        "export_query": query,
        "transfer_form": transfer_form,
        "level_choices": filters.fields["level"].choices[1:],
        "kind_choices": filters.fields["kind"].choices[1:],
        "source_choices": filters.fields["source"].choices[1:],
        "industry_choices": filters.fields["industry"].choices[1:],
    }
    template = "customers/list.html"
    if request.htmx and request.htmx.target == "customer-results":
        template += "#results"
    return render(request, template, context)


@require_POST
@login_required
def customer_columns(request):
    chosen = [c for c in request.POST.getlist("columns") if c in COLUMNS]
    _save_preference(request.user, _preference(request.user), columns=chosen)
    return redirect(_safe_back(request, reverse("web:customers")))


@require_POST
@login_required
def saved_view_create(request):
    form = SavedViewForm(request.POST)
    query = _view_query(dict(parse_qsl(request.POST.get("query", ""))))
    if form.is_valid():
        SavedView.objects.update_or_create(
            user=request.user,
            page=SAVED_VIEW_PAGE,
            name=form.cleaned_data["name"].strip(),
            defaults={"query": query},
        )
        messages.success(request, _("View “%(name)s” saved.") % form.cleaned_data)
    else:
        messages.error(request, _("Give the view a name of at most 60 characters."))
    return redirect(f"{reverse('web:customers')}?{query}")


@require_POST
@login_required
def saved_view_delete(request, pk: int):
    saved = SavedView.objects.filter(user=request.user, page=SAVED_VIEW_PAGE, pk=pk).first()
    if saved is None:
        raise Http404
    saved.delete()
    messages.success(request, _("View “%(name)s” deleted.") % {"name": saved.name})
    return redirect(f"{reverse('web:customers')}?view={DEFAULT_VIEW}")


def _bulk_customers(request):
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()][:MAX_BULK]
    return list(
        Customer.objects.editable_by(request.user).filter(pk__in=ids).select_related("owner")
    )


@require_POST
@login_required
def customer_bulk_transfer(request):
    if not can_transfer(request.user):
        raise PermissionDenied
    form = TransferForm(request.POST, actor=request.user)
    back = _safe_back(request, reverse("web:customers"))
    if not form.is_valid():
        messages.error(request, _("Choose the new owner."))
        return redirect(back)
    done = 0
    for customer in _bulk_customers(request):
        try:
            services.customer_transfer(
                actor=request.user,
                customer=customer,
                new_owner=form.cleaned_data["new_owner"],
                request=request,
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, f"{customer.name}: {' '.join(_messages_of(exc))}")
        else:
            done += 1
    if done:
        messages.success(request, _("%(count)d customers transferred.") % {"count": done})
    elif not request.POST.getlist("ids"):
        messages.warning(request, _("Select the customers first."))
    return redirect(back)


@require_POST
@login_required
def customer_bulk_delete(request):
    if not can_delete(request.user):
        raise PermissionDenied
    done = 0
    for customer in _bulk_customers(request):
        try:
            services.customer_delete(actor=request.user, customer=customer, request=request)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, f"{customer.name}: {' '.join(_messages_of(exc))}")
        else:
            done += 1
    if done:
        messages.success(
            request, _("%(count)d customers moved to the recycle bin.") % {"count": done}
        )
    elif not request.POST.getlist("ids"):
        messages.warning(request, _("Select the customers first."))
    return redirect(_safe_back(request, reverse("web:customers")))


def _messages_of(exc) -> list[str]:
    if isinstance(exc, ValidationError):
        return list(exc.messages)
    return [str(exc) or _("You do not have permission to do this.")]


# ---- customer 360 -----------------------------------------------------------------------------

DETAIL_TABS = {
    "overview": gettext_lazy("Overview"),
    "contacts": gettext_lazy("Contacts"),
    "follow_ups": gettext_lazy("Follow-ups"),
    "tasks": gettext_lazy("Tasks"),
    "opportunities": gettext_lazy("Opportunities"),
    "service": gettext_lazy("Visits & feedback"),
    "history": gettext_lazy("History"),
}


@login_required
def customer_timeline(request, pk: int):
    """The customer 360 page's timeline (htmx, loaded after the page): every provider of the
    timeline extension point costs its own queries, so the page's do not grow with them."""
    from salesdesk.core.timeline import customer_timeline as timeline

    customer = _visible_customer(request.user, pk)
    entries = timeline(customer, request.user, limit=50)
    return render(request, "customers/_timeline.html", {"timeline": entries})


@login_required
def customer_detail(request, pk: int):
    user = request.user
    try:
        customer = _visible_customer(user, pk)
    except Http404:
        # A customer in one of the user's public pools: its pool page.
        from salesdesk.customers.pool.selectors import pool_customer_detail

        return redirect("web:pool_customer_detail", pool_customer_detail(user, pk).pk)
    tab = request.GET.get("tab", "overview")
    if tab not in DETAIL_TABS:
        tab = "overview"
    editable = Customer.objects.editable_by(user).filter(pk=customer.pk).exists()
    contacts = list(customer.contacts.all())  # prefetched by customer_detail
    context = {
        "customer": customer,
        "tab": tab,
        "tabs": list(DETAIL_TABS.items()),
        "editable": editable,
        "can_transfer": editable and can_transfer(user),
        "can_delete": editable and can_delete(user),
        "can_return": editable and (customer.owner_id == user.pk or can_transfer(user)),
        "contacts": contacts,
        "primary_contact": next((c for c in contacts if c.is_primary), None),
        "tags": list(customer.tags.all()),
        "follow_up_form": FollowUpForm(
            customer=customer, actor=user, initial={"occurred_at": _now_local()}
        ),
        "task_form": TaskForm(),
        "transfer_form": TransferForm(actor=user) if can_transfer(user) else None,
    }
    if tab == "follow_ups":
        context["follow_ups"] = list(_selectors().follow_ups_of(user, customer)[:100])
    elif tab == "tasks":
        context["tasks"] = list(
            _selectors()
            .tasks_visible(user)
            .filter(customer_id=customer.pk)
            .order_by("done_at", "due_at", "id")[:100]
        )
        context["now"] = timezone.now()
    elif tab == "history":
        context["history"] = field_history(customer)
    elif tab == "service":
        from salesdesk.web.service.views import customer_service_context

        context.update(customer_service_context(user, customer))
    elif tab == "opportunities":
        from salesdesk.web.pipeline.views import customer_opportunities_context

        context.update(customer_opportunities_context(user, customer))
    return render(request, "customers/detail.html", context)


def _now_local():
    return timezone.localtime().replace(second=0, microsecond=0)


# ---- create / edit / delete / transfer ------------------------------------------------------


def _duplicate_context(hits) -> dict:
    hits = list(hits or [])
    blocking = [h for h in hits if "credit_code" in _matched(h)]
    return {"duplicate_hits": hits, "duplicate_blocking": bool(blocking)}


def _matched(hit) -> list[str]:
    matched = hit.get("matched_on") if isinstance(hit, dict) else getattr(hit, "matched_on", "")
    if isinstance(matched, str):
        return [matched] if matched else []
    return list(matched or [])


def _handle_customer_error(form, exc, context) -> None:
    from salesdesk.customers.duplicates import DuplicateCustomerError

    apply_service_error(form, exc)
    if isinstance(exc, DuplicateCustomerError):
        context.update(_duplicate_context(exc.hits))
        context["duplicate_blocking"] = (
            bool(getattr(exc, "blocking", False)) or context["duplicate_blocking"]
        )
        if not context["duplicate_blocking"]:
            form.add_error(
                None,
                _(
                    "This customer may already exist (see the matches below). Tick “Create "
                    "anyway” if it is a different customer."
                ),
            )


@login_required
def customer_create(request):
    form = CustomerForm(
        request.POST or None,
        actor=request.user,
        initial={"kind": "company", "level": "D"},
    )
    context = {"form": form, "customer": None}
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_create(
                actor=request.user,
                request=request,
                owner=form.cleaned_data.get("owner"),
                org_unit=form.cleaned_data.get("org_unit"),
                tags=list(form.cleaned_data.get("tags") or ()),
                allow_duplicate=form.cleaned_data.get("allow_duplicate", False),
                **form.service_fields(),
            )
        except (ValidationError, PermissionDenied) as exc:
            _handle_customer_error(form, exc, context)
        else:
            messages.success(request, _("Customer “%(name)s” created.") % {"name": customer.name})
            return redirect("web:customer_detail", customer.pk)
    return render(request, "customers/form.html", context)


@login_required
def customer_edit(request, pk: int):
    customer = _editable_customer(request.user, pk)
    field_names = [n for n in CustomerForm.base_fields if n not in ("version", "allow_duplicate")]
    initial = {
        n: getattr(customer, n) for n in field_names if n not in ("tags", "owner", "org_unit")
    }
    current_tags = list(customer.tags.all())
    initial["tags"] = current_tags
    initial["version"] = customer.version
    form = CustomerForm(
        request.POST or None, actor=request.user, customer=customer, initial=initial
    )
    context = {"form": form, "customer": customer, "conflict": None}
    if request.method == "POST" and form.is_valid():
        data = form.service_fields()
        changes = {f: v for f, v in data.items() if v != getattr(customer, f)}
        new_tags = list(form.cleaned_data.get("tags") or ())
        tags = new_tags if {t.pk for t in new_tags} != {t.pk for t in current_tags} else None
        if not changes and tags is None:
            messages.info(request, _("Nothing was changed."))
            return redirect("web:customer_detail", customer.pk)
        try:
            services.customer_update(
                actor=request.user,
                customer=customer,
                expected_version=form.cleaned_data["version"],
                request=request,
                tags=tags,
                allow_duplicate=form.cleaned_data.get("allow_duplicate", False),
                **changes,
            )
        except StaleEditError as exc:
            context["conflict"] = exc
        except (ValidationError, PermissionDenied) as exc:
            _handle_customer_error(form, exc, context)
        else:
            messages.success(request, _("Customer “%(name)s” saved.") % {"name": customer.name})
            return redirect("web:customer_detail", customer.pk)
    return render(
        request, "customers/form.html", context, status=409 if context["conflict"] else 200
    )


@require_POST
@login_required
def customer_delete(request, pk: int):
    if not can_delete(request.user):
        raise PermissionDenied
    customer = _editable_customer(request.user, pk)
    try:
        services.customer_delete(actor=request.user, customer=customer, request=request)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("web:customer_detail", customer.pk)
    messages.success(
        request,
        _("“%(name)s” was moved to the recycle bin.") % {"name": customer.name},
    )
    return redirect("web:customers")


@require_POST
@login_required
def customer_transfer(request, pk: int):
    if not can_transfer(request.user):
        raise PermissionDenied
    customer = _editable_customer(request.user, pk)
    form = TransferForm(request.POST, actor=request.user)
    if not form.is_valid():
        messages.error(request, _("Choose the new owner."))
    else:
        try:
            services.customer_transfer(
                actor=request.user,
                customer=customer,
                new_owner=form.cleaned_data["new_owner"],
                request=request,
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("“%(name)s” now belongs to %(owner)s.")
                % {"name": customer.name, "owner": form.cleaned_data["new_owner"].name},
            )
    return redirect("web:customer_detail", customer.pk)


@login_required
def customer_duplicates(request):
    """The live duplicate check of the customer form (htmx fragment)."""
    from salesdesk.customers.duplicates import duplicate_check

    values = {f: request.GET.get(f, "").strip()[:200] for f in DUPLICATE_FIELDS}
    exclude = request.GET.get("exclude", "")
    hits = []
    if any(values.values()):
        hits = duplicate_check(
            actor=request.user,
            exclude_pk=int(exclude) if exclude.isdigit() else None,
            limit=10,
            **values,
        )
    context = _duplicate_context(hits)
    if exclude.isdigit() and can_delete(request.user):
        # Editing a customer: a visible duplicate can be merged into it (CUS-5).
        context["merge_into"] = int(exclude)
    return render(request, "customers/_duplicates.html", context)


# ---- contacts ---------------------------------------------------------------------------------


@login_required
def contact_list(request):
    qs = _selectors().contacts_visible(request.user).select_related("customer")
    q = request.GET.get("q", "").strip()[:100]
    if q:
        qs = qs.filter(
            Q(name__icontains=q)
            | Q(mobile__icontains=q)
            | Q(email__icontains=q)
            | Q(customer__name__icontains=q)
        )
    page = paginate(request, qs.order_by("customer__name", "-is_primary", "name", "id"))
    context = {
        "page": page,
        "contacts": page.object_list,
        "q": q,
        "page_query": query_without(request, "page"),
    }
    template = "customers/contacts.html"
    if request.htmx and request.htmx.target == "contact-results":
        template += "#results"
    return render(request, template, context)


@login_required
def contact_create(request, pk: int):
    customer = _editable_customer(request.user, pk)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.contact_create(
                actor=request.user, customer=customer, request=request, **form.service_fields()
            )
        except (ValidationError, PermissionDenied) as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Contact “%(name)s” added.") % {"name": contact.name})
            return redirect(reverse("web:customer_detail", args=[customer.pk]) + "?tab=contacts")
    return render(
        request,
        "customers/contact_form.html",
        {"form": form, "customer": customer, "contact": None},
    )


@login_required
def contact_edit(request, pk: int):
    contact = _editable_contact(request.user, pk)
    customer = contact.customer
    names = [n for n in ContactForm.base_fields if n != "version"]
    initial = {n: getattr(contact, n) for n in names}
    initial["version"] = contact.version
    form = ContactForm(request.POST or None, contact=contact, initial=initial)
    conflict = None
    if request.method == "POST" and form.is_valid():
        changes = {f: v for f, v in form.service_fields().items() if v != getattr(contact, f)}
        back = reverse("web:customer_detail", args=[customer.pk]) + "?tab=contacts"
        if not changes:
            messages.info(request, _("Nothing was changed."))
            return redirect(back)
        saved, conflict = save_through_service(
            form,
            lambda: services.contact_update(
                actor=request.user,
                contact=contact,
                expected_version=form.cleaned_data["version"],
                request=request,
                **changes,
            ),
        )
        if saved:
            messages.success(request, _("Contact “%(name)s” saved.") % {"name": contact.name})
            return redirect(back)
    return render(
        request,
        "customers/contact_form.html",
        {"form": form, "customer": customer, "contact": contact, "conflict": conflict},
        status=409 if conflict else 200,
    )


@require_POST
@login_required
def contact_delete(request, pk: int):
    contact = _editable_contact(request.user, pk)
    try:
        services.contact_delete(actor=request.user, contact=contact, request=request)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, _("“%(name)s” was moved to the recycle bin.") % {"name": contact.name}
        )
    return redirect(reverse("web:customer_detail", args=[contact.customer_id]) + "?tab=contacts")


# ---- follow-ups -------------------------------------------------------------------------------


@login_required
def follow_up_create(request, pk: int):
    customer = _editable_customer(request.user, pk)
    form = FollowUpForm(
        request.POST or None,
        customer=customer,
        actor=request.user,
        initial={"occurred_at": _now_local()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            follow_up = services.follow_up_create(
                actor=request.user,
                customer=customer,
                kind=data["kind"],
                content=data["content"],
                occurred_at=data.get("occurred_at") or None,
                contacts=list(data.get("contacts") or ()),
                next_contact_at=data.get("next_contact_at"),
                request=request,
            )
        except (ValidationError, PermissionDenied) as exc:
            apply_service_error(form, exc)
        else:
            text = _("Follow-up recorded.")
            if follow_up.next_contact_at:
                text = _("Follow-up recorded; a task for the next contact was created.")
            messages.success(request, text)
            return redirect(reverse("web:customer_detail", args=[customer.pk]) + "?tab=follow_ups")
    return render(request, "customers/follow_up_form.html", {"form": form, "customer": customer})


@require_POST
@login_required
def follow_up_delete(request, pk: int):
    follow_up = FollowUp.objects.editable_by(request.user).filter(pk=pk).first()
    if follow_up is None:
        raise Http404
    try:
        services.follow_up_delete(actor=request.user, follow_up=follow_up, request=request)
    except (ValidationError, PermissionDenied) as exc:
        for message in _messages_of(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("Follow-up moved to the recycle bin."))
    return redirect(
        reverse("web:customer_detail", args=[follow_up.customer_id]) + "?tab=follow_ups"
    )


# ---- tasks ------------------------------------------------------------------------------------


@login_required
def task_create(request, pk: int):
    customer = _editable_customer(request.user, pk)
    form = TaskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.task_create(
                actor=request.user,
                title=form.cleaned_data["title"],
                due_at=form.cleaned_data["due_at"],
                customer=customer,
                request=request,
            )
        except (ValidationError, PermissionDenied) as exc:
            apply_service_error(form, exc)
        else:
            messages.success(request, _("Task added."))
            return redirect(reverse("web:customer_detail", args=[customer.pk]) + "?tab=tasks")
    return render(request, "customers/task_form.html", {"form": form, "customer": customer})


@login_required
def my_tasks(request):
    tab = request.GET.get("tab", "today")
    if tab not in TASK_TABS:
        tab = "today"
    qs = _selectors().tasks_of(request.user, bucket=tab)
    page = paginate(request, qs.select_related("customer"))
    context = {
        "page": page,
        "tasks": page.object_list,
        "tab": tab,
        "tabs": list(TASK_TABS.items()),
        "page_query": query_without(request, "page"),
        "now": timezone.now(),
        "today": timezone.localdate(),
    }
    return render(request, "customers/tasks.html", context)


def _task_action(request, pk: int, service, done_message: str):
    task = Task.objects.editable_by(request.user).filter(pk=pk).first()
    if task is None:
        raise Http404
    try:
        service(actor=request.user, task=task, request=request)
    except (ValidationError, PermissionDenied) as exc:
        for message in _messages_of(exc):
            messages.error(request, message)
    else:
        messages.success(request, done_message % {"title": task.title})
    return redirect(_safe_back(request, reverse("web:my_tasks")))


@require_POST
@login_required
def task_complete(request, pk: int):
    return _task_action(request, pk, services.task_complete, _("“%(title)s” is done."))


@require_POST
@login_required
def task_reopen(request, pk: int):
    return _task_action(request, pk, services.task_reopen, _("“%(title)s” is open again."))
