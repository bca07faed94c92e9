from django.urls import path

from salesdesk.web.targets import progress, views

urlpatterns = [
    path("targets/progress/", progress.progress_list, name="progress"),
    path("targets/progress/mine/", progress.progress_mine, name="progress_mine"),
    path("targets/progress/<int:pk>/", progress.progress_goal, name="progress_goal"),
    path("targets/goals/", views.goal_list, name="goal_list"),
    path("targets/goals/new/", views.goal_create, name="goal_create"),
    path("targets/goals/check/", views.goal_check, name="goal_check"),
    path("targets/goals/<int:pk>/", views.goal_detail, name="goal_detail"),
    path("targets/goals/<int:pk>/edit/", views.goal_edit, name="goal_edit"),
    path("targets/goals/<int:pk>/delete/", views.goal_delete, name="goal_delete"),
    path("targets/goals/<int:pk>/decompose/", views.goal_decompose, name="goal_decompose"),
    path("targets/goals/<int:pk>/rebalance/", views.goal_rebalance, name="goal_rebalance"),
    path(
        "targets/goals/<int:pk>/parts/<int:part_pk>/",
        views.goal_part_edit,
        name="goal_part_edit",
    ),
]
