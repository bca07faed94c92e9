"""API tokens (ORG-5, DAT-2): sign in for a token, list and revoke my tokens.

POST /auth/token goes through salesdesk.org.signin.sign_in_check (via
salesdesk.org.tokens.token_create_with_password), so the login lockout and two-factor sign-in
apply to the API exactly as to the web sign-in.
"""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Query, Router, Schema, Status

from salesdesk.api.errors import ApiError, ErrorOut, not_found
from salesdesk.api.pagination import PageParams, page_of, paginate
from salesdesk.org import tokens
from salesdesk.org.models import ApiToken
from salesdesk.org.signin import SignInError

router = Router(tags=["Authentication"])

# How a refused sign-in answers: SignInError.code → (HTTP status, API error code).
SIGN_IN_ERRORS = {
    SignInError.INVALID: (401, "invalid_credentials"),
    SignInError.OTP_REQUIRED: (401, "otp_required"),
    SignInError.OTP_INVALID: (401, "otp_invalid"),
    SignInError.INACTIVE: (401, "account_inactive"),
    SignInError.LOCKED: (429, "account_locked"),
}


class TokenLoginIn(Schema):
    username: str
    password: str
    code: str | None = Field(
        None, description="Authenticator or recovery code, when two-factor sign-in is on."
    )
    name: str = Field("API", description="What the token is for, shown in your token list.")
    expires_at: datetime | None = None


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    status: str = Field(description="active, expired or revoked.")
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None

    @staticmethod
    def resolve_status(obj: ApiToken) -> str:
        return tokens.token_status(obj)


class TokenCreatedOut(TokenOut):
    key: str = Field(description="The secret key. Shown only this once: store it safely.")


def _errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    return dict.fromkeys(statuses, ErrorOut)


@router.post(
    "/auth/token",
    auth=None,
    response={201: TokenCreatedOut, **_errors(401, 422, 429)},
    summary="Sign in with username and password and get a new API token",
)
def auth_token_create(request, payload: TokenLoginIn):
    try:
        token, key = tokens.token_create_with_password(
            request=request,
            username=payload.username,
            password=payload.password,
            code=payload.code,
            name=payload.name,
            expires_at=payload.expires_at,
        )
    except SignInError as exc:
        status, code = SIGN_IN_ERRORS[exc.code]
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
        raise ApiError(status, code, str(exc.message), headers=headers) from None
    token.key = key
    return Status(201, token)


@router.get(
    "/auth/tokens", response={200: page_of(TokenOut), **_errors(401, 422)}, summary="My API tokens"
)
def auth_token_list(request, filters: Query[PageParams]):
    return paginate(tokens.tokens_of(request.auth), filters)


@router.delete(
    "/auth/tokens/{int:token_id}",
    response={204: None, **_errors(401, 404, 422)},
    summary="Revoke one of my API tokens",
)
def auth_token_revoke(request, token_id: int):
    token = tokens.tokens_of(request.auth).filter(pk=token_id).first()
    if token is None:
        raise not_found()
    tokens.token_revoke(token=token, actor=request.auth, request=request)
    return Status(204, None)
