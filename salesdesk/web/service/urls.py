from django.urls import path

from salesdesk.web.service import views

urlpatterns = [
    path("customers/return-visits/", views.return_visit_list, name="return_visit_list"),
    path(
        "customers/<int:pk>/return-visits/new/",
        views.return_visit_create,
        name="return_visit_create",
    ),
    path("customers/care/", views.care_list, name="care_list"),
    path("customers/care/<int:pk>/sent/", views.care_mark_sent, name="care_mark_sent"),
    path("customers/care/<int:pk>/skip/", views.care_skip, name="care_skip"),
    path("customers/feedback/", views.feedback_list, name="feedback_list"),
    path("customers/feedback/dashboard/", views.feedback_dashboard, name="feedback_dashboard"),
    path("customers/feedback/<int:pk>/", views.feedback_detail, name="feedback_detail"),
    path("customers/feedback/<int:pk>/delete/", views.feedback_delete, name="feedback_delete"),
    path("customers/<int:pk>/feedback/new/", views.feedback_create, name="feedback_create"),
    path(
        "customers/<int:pk>/satisfaction/new/",
        views.satisfaction_create,
        name="satisfaction_create",
    ),
    path("settings/return-visit-rules/", views.visit_policy_list, name="visit_policy_list"),
    path(
        "settings/greeting-templates/", views.greeting_template_list, name="greeting_template_list"
    ),
]
