from django.urls import path

from salesdesk.web.tiers import views

urlpatterns = [
    path("settings/tiers/", views.tier_list, name="tier_list"),
    path("settings/tiers/new/", views.tier_create, name="tier_create"),
    path("settings/tiers/<int:pk>/", views.tier_edit, name="tier_edit"),
    path("settings/tiers/<int:pk>/delete/", views.tier_delete, name="tier_delete"),
    path("performance/tiers/", views.tier_people, name="tier_people"),
    path("performance/tiers/assign/", views.tier_assign, name="tier_assign"),
    path("performance/tier-reviews/", views.tier_review_list, name="tier_review_list"),
    path(
        "performance/tier-reviews/compute/", views.tier_review_compute, name="tier_review_compute"
    ),
    path("performance/tier-reviews/<int:pk>/", views.tier_review_detail, name="tier_review_detail"),
    path(
        "performance/tier-reviews/<int:pk>/decide/",
        views.tier_review_decide,
        name="tier_review_decide",
    ),
]
