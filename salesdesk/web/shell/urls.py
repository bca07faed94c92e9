from django.urls import path

from salesdesk.web.shell import views

urlpatterns = [
    path("", views.home, name="home"),
    path("home/my-day/", views.home_my_day, name="home_my_day"),
    path("search/", views.search, name="search"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    path("language/", views.set_language, name="set_language"),
]
