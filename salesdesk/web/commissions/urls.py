from django.urls import path

from salesdesk.web.commissions import views

urlpatterns = [
    path("settings/commission-plans/", views.plan_list, name="commission_plan_list"),
    path("settings/commission-plans/new/", views.plan_create, name="commission_plan_create"),
    path("settings/commission-plans/<int:pk>/", views.plan_edit, name="commission_plan_edit"),
    path(
        "settings/commission-plans/<int:pk>/delete/",
        views.plan_delete,
        name="commission_plan_delete",
    ),
    path("performance/commissions/", views.statement_list, name="commission_list"),
    path("performance/commissions/compute/", views.statement_compute, name="commission_compute"),
    path("performance/commissions/lock/", views.period_lock, name="commission_lock"),
    path("performance/commissions/<int:pk>/", views.statement_detail, name="commission_detail"),
    path("performance/commissions/<int:pk>/csv/", views.statement_csv, name="commission_csv"),
]
