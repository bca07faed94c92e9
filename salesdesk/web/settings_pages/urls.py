from django.urls import path

from salesdesk.web.settings_pages import audit, recycle, roles, units, users

urlpatterns = [
    path("org/", units.unit_list, name="units"),
    path("org/new/", units.unit_create, name="unit_create"),
    path("org/<int:pk>/", units.unit_detail, name="unit_detail"),
    path("org/<int:pk>/edit/", units.unit_edit, name="unit_edit"),
    path("org/<int:pk>/move/", units.unit_move, name="unit_move"),
    path("org/<int:pk>/delete/", units.unit_delete, name="unit_delete"),
    path("users/", users.user_list, name="users"),
    path("users/new/", users.user_create, name="user_create"),
    path("users/<int:pk>/", users.user_detail, name="user_detail"),
    path("users/<int:pk>/edit/", users.user_edit, name="user_edit"),
    path("users/<int:pk>/deactivate/", users.user_deactivate, name="user_deactivate"),
    path("users/<int:pk>/reactivate/", users.user_reactivate, name="user_reactivate"),
    path("users/<int:pk>/unlock/", users.user_unlock, name="user_unlock"),
    path(
        "users/<int:pk>/reset-two-factor/",
        users.user_reset_two_factor,
        name="user_reset_two_factor",
    ),
    path("users/<int:pk>/password/", users.user_password, name="user_password"),
    path("roles/", roles.role_list, name="roles"),
    path("roles/<int:pk>/", roles.role_edit, name="role_edit"),
    path("recycle-bin/", recycle.recycle_list, name="recycle_bin"),
    path(
        "recycle-bin/<str:key>/<int:pk>/restore/", recycle.recycle_restore, name="recycle_restore"
    ),
    path("recycle-bin/<str:key>/<int:pk>/purge/", recycle.recycle_purge, name="recycle_purge"),
    path("audit-log/", audit.audit_list, name="audit_log"),
]
