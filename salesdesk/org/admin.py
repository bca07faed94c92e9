from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from salesdesk.org.models import OrgUnit, Role, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "unit", "role", "is_active")
    list_filter = ("is_active", "role")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("SalesDesk", {"fields": ("display_name", "phone", "title", "unit", "reports_to", "role",
                                  "language")}),
    )


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "parent", "path")


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "data_scope")
