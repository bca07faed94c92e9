from django.urls import path

from salesdesk.web.performance import views

urlpatterns = [
    path("settings/kpi-schemes/", views.scheme_list, name="kpi_scheme_list"),
    path("settings/kpi-schemes/new/", views.scheme_create, name="kpi_scheme_create"),
    path("settings/kpi-schemes/<int:pk>/", views.scheme_edit, name="kpi_scheme_edit"),
    path("settings/kpi-schemes/<int:pk>/delete/", views.scheme_delete, name="kpi_scheme_delete"),
    path("performance/evaluations/", views.evaluation_list, name="evaluation_list"),
    path("performance/evaluations/compute/", views.evaluation_compute, name="evaluation_compute"),
    path("performance/evaluations/<int:pk>/", views.evaluation_detail, name="evaluation_detail"),
    path(
        "performance/evaluations/<int:pk>/publish/",
        views.evaluation_publish,
        name="evaluation_publish",
    ),
    path("performance/evaluations/<int:pk>/lock/", views.evaluation_lock, name="evaluation_lock"),
    path(
        "performance/evaluations/<int:pk>/feedback/",
        views.evaluation_feedback,
        name="evaluation_feedback",
    ),
    path("performance/leaderboard/", views.leaderboard, name="leaderboard"),
    path("performance/leaderboard/share/", views.leaderboard_share, name="leaderboard_share"),
]
