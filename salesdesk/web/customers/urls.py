from django.urls import path

from salesdesk.web.customers import views

urlpatterns = [
    path("", views.customer_list, name="customers"),
    path("new/", views.customer_create, name="customer_create"),
    path("duplicates/", views.customer_duplicates, name="customer_duplicates"),
    path("columns/", views.customer_columns, name="customer_columns"),
    path("views/", views.saved_view_create, name="customer_view_create"),
    path("views/<int:pk>/delete/", views.saved_view_delete, name="customer_view_delete"),
    path("bulk/transfer/", views.customer_bulk_transfer, name="customer_bulk_transfer"),
    path("bulk/delete/", views.customer_bulk_delete, name="customer_bulk_delete"),
    path("<int:pk>/", views.customer_detail, name="customer_detail"),
    path("<int:pk>/timeline/", views.customer_timeline, name="customer_timeline"),
    path("<int:pk>/edit/", views.customer_edit, name="customer_edit"),
    path("<int:pk>/delete/", views.customer_delete, name="customer_delete"),
    path("<int:pk>/transfer/", views.customer_transfer, name="customer_transfer"),
    path("<int:pk>/contacts/new/", views.contact_create, name="contact_create"),
    path("<int:pk>/follow-ups/new/", views.follow_up_create, name="follow_up_create"),
    path("<int:pk>/tasks/new/", views.task_create, name="task_create"),
    path("contacts/", views.contact_list, name="contacts"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/delete/", views.contact_delete, name="contact_delete"),
    path("follow-ups/<int:pk>/delete/", views.follow_up_delete, name="follow_up_delete"),
    path("tasks/", views.my_tasks, name="my_tasks"),
    path("tasks/<int:pk>/complete/", views.task_complete, name="task_complete"),
    path("tasks/<int:pk>/reopen/", views.task_reopen, name="task_reopen"),
]
