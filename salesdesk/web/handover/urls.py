from django.urls import path

from salesdesk.web.handover import views

urlpatterns = [
    path("handovers/", views.handover_list, name="handover_list"),
    path("handovers/new/", views.handover_new, name="handover_new"),
    path("handovers/<int:pk>/", views.handover_detail, name="handover_detail"),
    path("<int:pk>/merge/", views.customer_merge, name="customer_merge"),
]
