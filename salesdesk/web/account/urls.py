from django.urls import path

from salesdesk.web.account import views

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/code/", views.login_code_view, name="login_code"),
    path("logout/", views.logout_view, name="logout"),
    path("", views.account_view, name="account"),
    path("password/", views.account_password_view, name="account_password"),
    path("security/", views.account_security_view, name="account_security"),
    path("tokens/", views.account_tokens_view, name="account_tokens"),
    path("tokens/<int:pk>/revoke/", views.account_token_revoke_view, name="account_token_revoke"),
]
