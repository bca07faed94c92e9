from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied

from salesdesk.org.models import OrgUnit, Role, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "unit", "role", "is_active")
    list_filter = ("is_active", "role")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (
            "SalesDesk",
            {
                "fields": (
                    "display_name",
                    "phone",
                    "title",
                    "unit",
                    "reports_to",
                    "role",
                    "language",
                )
            },
        ),
    )


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "parent", "path")


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "data_scope")


# --- Sign-in: Django admin has no door of its own (ORG-5) ---------------------------------------
# The admin's login form would call authenticate() and log in after the password alone, skipping
# two-factor sign-in. Every admin sign-in goes through the app's sign-in page instead, and
# sign-out and password change through the app's own (audited) views.


def _admin_login(request, extra_context=None):
    from django.shortcuts import redirect
    from django.urls import reverse
    from django.utils.http import url_has_allowed_host_and_scheme

    if request.user.is_authenticated:
        if request.user.is_active and request.user.is_staff:
            return redirect("admin:index")
        raise PermissionDenied  # signed in, but not allowed in the admin: no redirect loop
    next_url = request.GET.get("next") or reverse("admin:index")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("admin:index")
    return redirect(f"{reverse('web:login')}?{urlencode({'next': next_url})}")


def _admin_logout(request, extra_context=None):
    from django.shortcuts import redirect

    from salesdesk.web.account.views import logout_view

    if request.method != "POST":
        return redirect("admin:index")
    return logout_view(request)


def _admin_password_change(request, extra_context=None):
    from django.shortcuts import redirect

    return redirect("web:account_password")


admin.site.login = _admin_login
admin.site.logout = _admin_logout
admin.site.password_change = _admin_password_change
