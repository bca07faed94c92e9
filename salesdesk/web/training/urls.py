from django.urls import path

from salesdesk.web.training import views

urlpatterns = [
    path("training/", views.program_list, name="training_list"),
    path("training/mine/", views.my_training, name="training_mine"),
    path("training/new/", views.program_create, name="training_program_create"),
    path("training/<int:pk>/", views.program_detail, name="training_program_detail"),
    path("training/<int:pk>/edit/", views.program_edit, name="training_program_edit"),
    path("training/<int:pk>/delete/", views.program_delete, name="training_program_delete"),
    path("training/<int:pk>/effect/", views.program_effect, name="training_effect"),
    path("training/<int:pk>/sessions/new/", views.session_create, name="training_session_create"),
    path("training/sessions/<int:pk>/", views.session_detail, name="training_session_detail"),
    path("training/sessions/<int:pk>/edit/", views.session_edit, name="training_session_edit"),
    path(
        "training/sessions/<int:pk>/delete/", views.session_delete, name="training_session_delete"
    ),
    path(
        "training/sessions/<int:pk>/invite/", views.session_invite, name="training_session_invite"
    ),
    path(
        "training/sessions/<int:pk>/record/", views.session_record, name="training_session_record"
    ),
]
