"""Sign-in, sign-out and the user's own account pages (ORG-5). Transport only: every rule lives
in salesdesk.org.signin / totp / tokens / profile."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from salesdesk.org import tokens as token_services
from salesdesk.org import totp as totp_services
from salesdesk.org.middleware import SESSION_EXPIRED_NOTICE, SESSION_LANGUAGE
from salesdesk.org.models import User
from salesdesk.org.profile import profile_update
from salesdesk.org.services import user_set_password
from salesdesk.org.signin import (
    SignInError,
    check_code_step,
    check_password_step,
    session_login,
    sign_out,
    verify_current_password,
)
from salesdesk.web.account.forms import (
    CodeForm,
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    RecoveryCodesForm,
    TokenCreateForm,
    TotpConfirmForm,
    TotpDisableForm,
    password_policy_help,
)
from salesdesk.web.forms import apply_service_error

# The user who passed the password step and still owes a two-factor code.
PENDING_KEY = "salesdesk_pending_signin"
PENDING_MAX_AGE = timedelta(minutes=5)


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _no_store(response):
    """Pages that show a secret once (recovery codes, token keys) must not be cached."""
    add_never_cache_headers(response)
    patch_cache_control(response, no_store=True, private=True)
    return response


# --- sign-in --------------------------------------------------------------------------------


def _render_login(request, form, *, status: int = 200, error: str | None = None):
    expired = request.session.pop(SESSION_EXPIRED_NOTICE, None)
    errors = list(form.non_field_errors()) if form.is_bound else []
    if error:
        errors.append(error)
    context = {
        "form": form,
        "login_errors": errors,
        "next": request.POST.get("next") or request.GET.get("next") or "",
        "session_expired": bool(expired),
    }
    return render(request, "account/login.html", context, status=status)


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request):
    if request.user.is_authenticated and request.method == "GET":
        return redirect(_next_url(request))
    request.session.pop(PENDING_KEY, None)
    if request.method == "GET":
        return _render_login(request, LoginForm())
    form = LoginForm(request.POST)
    if not form.is_valid():
        return _render_login(request, form)
    try:
        user = check_password_step(
            request=request,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
        )
    except SignInError as exc:
        form.add_error(None, exc.message)
        return _render_login(request, form, status=429 if exc.code == SignInError.LOCKED else 200)
    if user.totp_enabled:
        request.session[PENDING_KEY] = {
            "user": user.pk,
            "at": int(timezone.now().timestamp()),
            "next": _next_url(request),
        }
        return redirect("web:login_code")
    session_login(request=request, user=user, via="web", method="password")
    return redirect(_next_url(request))


def _pending_user(request) -> tuple[User | None, dict]:
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None, {}
    age = timezone.now().timestamp() - pending.get("at", 0)
    if age > PENDING_MAX_AGE.total_seconds() or age < 0:
        request.session.pop(PENDING_KEY, None)
        return None, {}
    user = User.objects.filter(pk=pending.get("user"), is_active=True).first()
    return user, pending


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_code_view(request):
    user, pending = _pending_user(request)
    if user is None:
        messages.info(request, _("Please sign in again."))
        return redirect("web:login")
    if request.method == "GET":
        form = CodeForm()
    else:
        form = CodeForm(request.POST)
        if form.is_valid():
            try:
                method = check_code_step(request=request, user=user, code=form.cleaned_data["code"])
            except SignInError as exc:
                if exc.code == SignInError.OTP_INVALID:
                    form.add_error("code", exc.message)
                else:
                    request.session.pop(PENDING_KEY, None)
                    login_form = LoginForm(initial={"username": user.username})
                    status = 429 if exc.code == SignInError.LOCKED else 200
                    return _render_login(request, login_form, status=status, error=exc.message)
            else:
                request.session.pop(PENDING_KEY, None)
                session_login(request=request, user=user, via="web", method=method)
                if method == "recovery":
                    left = totp_services.recovery_codes_remaining(user)
                    messages.warning(
                        request,
                        _(
                            "You signed in with a recovery code. %(count)d codes are left; "
                            "create new ones in Sign-in & security."
                        )
                        % {"count": left},
                    )
                return redirect(pending.get("next") or resolve_url(settings.LOGIN_REDIRECT_URL))
    return render(request, "account/login_code.html", {"form": form})


@require_POST
def logout_view(request):
    request.session.pop(PENDING_KEY, None)
    sign_out(request=request)
    messages.success(request, _("You have signed out."))
    return redirect(settings.LOGOUT_REDIRECT_URL)


# --- account pages --------------------------------------------------------------------------


def _account_context(request, active: str, **extra):
    return {"account_tab": active, **extra}


@login_required
@require_http_methods(["GET", "POST"])
def account_view(request):
    user = request.user
    initial = {
        "display_name": user.display_name,
        "email": user.email,
        "phone": user.phone,
        "language": user.language,
        "time_zone": user.time_zone,
        "version": user.version,
    }
    if request.method == "POST":
        form = ProfileForm(request.POST, initial=initial)
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version", None)
            try:
                updated = profile_update(
                    user=user, expected_version=version or None, request=request, **data
                )
            except ValidationError as exc:
                apply_service_error(form, exc)
            else:
                if updated.language:
                    request.session[SESSION_LANGUAGE] = updated.language
                    translation.activate(updated.language)
                else:
                    request.session.pop(SESSION_LANGUAGE, None)
                messages.success(request, _("Your profile is saved."))
                response = redirect("web:account")
                if updated.language:
                    response.set_cookie(
                        settings.LANGUAGE_COOKIE_NAME,
                        updated.language,
                        max_age=365 * 24 * 3600,
                        samesite="Lax",
                        secure=settings.LANGUAGE_COOKIE_SECURE,
                        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                    )
                return response
    else:
        form = ProfileForm(initial=initial)
    return render(request, "account/profile.html", _account_context(request, "profile", form=form))


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@login_required
@require_http_methods(["GET", "POST"])
def account_password_view(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = request.user
        try:
            verify_current_password(
                user=user, password=form.cleaned_data["old_password"], request=request
            )
        except ValidationError as exc:
            for message in exc.message_dict["password"]:
                form.add_error("old_password", message)
        else:
            try:
                user_set_password(
                    actor=user,
                    user=user,
                    password=form.cleaned_data["new_password1"],
                    request=request,
                )
            except ValidationError as exc:
                for message in exc.message_dict.get("password", exc.messages):
                    form.add_error("new_password1", message)
            else:
                update_session_auth_hash(request, user)
                messages.success(request, _("Your password is changed."))
                return redirect("web:account_password")
    context = _account_context(request, "password", form=form, policy_help=password_policy_help())
    return render(request, "account/password.html", context)


@sensitive_post_parameters("password", "code")
@login_required
@require_http_methods(["GET", "POST"])
def account_security_view(request):
    user = request.user
    confirm_form = TotpConfirmForm()
    disable_form = TotpDisableForm()
    codes_form = RecoveryCodesForm()
    new_codes: list[str] | None = None
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "start":
            try:
                totp_services.totp_enrol(user=user)
            except ValidationError as exc:
                messages.error(request, exc.messages[0])
            return redirect("web:account_security")
        if action == "cancel":
            if not user.totp_enabled:
                User.objects.filter(pk=user.pk).update(totp_secret="")
            return redirect("web:account_security")
        if action == "confirm":
            confirm_form = TotpConfirmForm(request.POST)
            if confirm_form.is_valid():
                try:
                    new_codes = totp_services.totp_confirm(
                        user=user, code=confirm_form.cleaned_data["code"], request=request
                    )
                except ValidationError as exc:
                    apply_service_error(confirm_form, exc)
                else:
                    user.refresh_from_db()
                    messages.success(request, _("Two-factor sign-in is on."))
        elif action == "disable":
            disable_form = TotpDisableForm(request.POST)
            if disable_form.is_valid():
                try:
                    totp_services.totp_disable(
                        user=user,
                        password=disable_form.cleaned_data["password"],
                        code=disable_form.cleaned_data["code"],
                        request=request,
                    )
                except ValidationError as exc:
                    apply_service_error(disable_form, exc)
                else:
                    messages.success(request, _("Two-factor sign-in is off."))
                    return redirect("web:account_security")
        elif action == "regenerate":
            codes_form = RecoveryCodesForm(request.POST)
            if codes_form.is_valid():
                try:
                    new_codes = totp_services.recovery_codes_regenerate(
                        user=user, password=codes_form.cleaned_data["password"], request=request
                    )
                except ValidationError as exc:
                    apply_service_error(codes_form, exc)
                else:
                    messages.success(
                        request, _("New recovery codes are ready; the old ones no longer work.")
                    )
        else:
            status = 400
    user.refresh_from_db(fields=["totp_enabled", "totp_secret"])
    setup = None
    if not user.totp_enabled and user.totp_secret:
        setup = {
            "qr_svg": totp_services.totp_qr_svg(user=user),
            "secret": totp_services.format_secret(user.totp_secret),
            "uri": totp_services.totp_provisioning_uri(user=user),
        }
    context = _account_context(
        request,
        "security",
        setup=setup,
        new_codes=new_codes,
        codes_remaining=(
            totp_services.recovery_codes_remaining(user) if user.totp_enabled else None
        ),
        confirm_form=confirm_form,
        disable_form=disable_form,
        codes_form=codes_form,
        totp_enabled=user.totp_enabled,
    )
    response = render(request, "account/security.html", context, status=status)
    return _no_store(response) if (setup or new_codes) else response


@login_required
@require_http_methods(["GET", "POST"])
def account_tokens_view(request):
    user = request.user
    form = TokenCreateForm(request.POST or None)
    new_key = None
    new_token = None
    if request.method == "POST" and form.is_valid():
        days = form.cleaned_data.get("expires_in")
        expires_at = timezone.now() + timedelta(days=int(days)) if days else None
        try:
            new_token, new_key = token_services.token_create(
                user=user, name=form.cleaned_data["name"], expires_at=expires_at, request=request
            )
        except (ValidationError, PermissionDenied) as exc:
            apply_service_error(form, exc)
        else:
            form = TokenCreateForm()
    tokens = [
        {"token": token, "status": token_services.token_status(token)}
        for token in token_services.tokens_of(user)
    ]
    context = _account_context(
        request,
        "tokens",
        form=form,
        tokens=tokens,
        new_key=new_key,
        new_token=new_token,
        key_prefix=token_services.KEY_PREFIX,
        api_docs_url="/api/docs",
    )
    response = render(request, "account/tokens.html", context)
    return _no_store(response) if new_key else response


@login_required
@require_POST
def account_token_revoke_view(request, pk: int):
    token = get_object_or_404(token_services.tokens_of(request.user), pk=pk)
    try:
        token_services.token_revoke(token=token, actor=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect(reverse("web:account_tokens"))
