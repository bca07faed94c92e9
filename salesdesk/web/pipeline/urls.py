from django.urls import path

from salesdesk.web.pipeline import bulk, views

urlpatterns = [
    path("opportunities/", views.opportunity_list, name="opportunities"),
    path("opportunities/new/", views.opportunity_create, name="opportunity_create"),
    path("opportunities/export/", views.opportunity_export_view, name="opportunity_export"),
    path("opportunities/views/", views.saved_view_create, name="opportunity_view_create"),
    path(
        "opportunities/bulk/assign/", bulk.opportunity_bulk_assign, name="opportunity_bulk_assign"
    ),
    path(
        "opportunities/bulk/delete/", bulk.opportunity_bulk_delete, name="opportunity_bulk_delete"
    ),
    path("opportunities/<int:pk>/", views.opportunity_detail, name="opportunity_detail"),
    path("opportunities/<int:pk>/edit/", views.opportunity_edit, name="opportunity_edit"),
    path("opportunities/<int:pk>/move/", views.opportunity_move, name="opportunity_move"),
    path("opportunities/<int:pk>/win/", views.opportunity_win, name="opportunity_win"),
    path("opportunities/<int:pk>/lose/", views.opportunity_lose, name="opportunity_lose"),
    path("opportunities/<int:pk>/reopen/", views.opportunity_reopen, name="opportunity_reopen"),
    path("opportunities/<int:pk>/delete/", views.opportunity_delete, name="opportunity_delete"),
    path("opportunities/<int:pk>/card/", views.board_card, name="board_card"),
    path("board/customers/", views.board_customer_options, name="board_customer_options"),
    path("board/", views.board, name="board"),
    path("board/<int:pipeline_pk>/", views.board, name="board_pipeline"),
    path(
        "board/<int:pipeline_pk>/stages/<int:stage_pk>/",
        views.board_column,
        name="board_column",
    ),
    path(
        "board/<int:pipeline_pk>/stages/<int:stage_pk>/add/",
        views.board_quick_add,
        name="board_quick_add",
    ),
    path("analysis/funnel/", views.funnel_report, name="funnel"),
    path("analysis/time-metrics/", views.time_metrics_report, name="time_metrics"),
    path("analysis/time-metrics/deals/", views.time_metrics_deals, name="time_metrics_deals"),
    path("settings/pipelines/", views.settings_pipelines, name="settings_pipelines"),
    path("settings/pipelines/<int:pk>/", views.settings_pipeline, name="settings_pipeline"),
    path(
        "settings/pipelines/reasons/new/",
        views.settings_reason_create,
        name="settings_reason_create",
    ),
    path(
        "settings/pipelines/reasons/<int:pk>/toggle/",
        views.settings_reason_toggle,
        name="settings_reason_toggle",
    ),
]
