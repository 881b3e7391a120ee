"""Account actions: register, sign in (password or external provider), profile, and the admin's listing."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from subgraphs.common.errors import DomainError, ErrorCode
from subgraphs.common.pagination import Keyset, Page
from subgraphs.common.settings import Settings

from . import throttle
from .external import Identity, Providers
from .models import ExternalIdentity, ExternalLoginAttempt, User
from .passwords import MAX_LENGTH, MIN_LENGTH, hash_password, needs_rehash, verify_password

Db = async_sessionmaker[AsyncSession]
#: The accounts list: newest first.
NEWEST = Keyset((User.created_at, User.id))
#: How long a started external sign-in may take to come back.
ATTEMPT_TTL = timedelta(minutes=10)


def normalize_email(raw: str) -> str:
    """The canonical form of an email (validated syntax, lower case), else INVALID_INPUT."""
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise DomainError(ErrorCode.INVALID_INPUT, f"Not a valid email: {exc}", "email") from None


def clean_display_name(raw: str) -> str:
    name = " ".join(raw.split())
    if not 1 <= len(name) <= 100:
        raise DomainError(ErrorCode.INVALID_INPUT, "The display name must have 1 to 100 characters.", "displayName")
    return name


def check_password_policy(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise DomainError(ErrorCode.INVALID_INPUT, f"The password needs at least {MIN_LENGTH} characters.", "password")
    if len(password) > MAX_LENGTH:
        raise DomainError(ErrorCode.INVALID_INPUT, f"The password may have at most {MAX_LENGTH} characters.", "password")


async def register(
    db: Db, email: str, password: str, display_name: str, *, roles: list[str] | None = None, client: tuple[Settings, str] | None = None
) -> User:
    """A new account; EMAIL_TAKEN when the (normalised) email has one already.

    With `client` (settings, the caller's address) a taken email counts as a failure of that client,
    since it tells which emails have accounts; a client out of budget is RATE_LIMITED before hashing.
    """
    email = normalize_email(email)
    check_password_policy(password)
    name = clean_display_name(display_name)
    if client is not None:
        await throttle.admit(db, client[0], client[1])
    password_hash = await hash_password(password)
    try:
        async with db.begin() as session:
            user = User(email=email, password_hash=password_hash, display_name=name, roles=roles or ["CUSTOMER"])
            session.add(user)
    except IntegrityError:
        if client is not None:
            await throttle.failed(db, client[0], client[1], email)
        raise DomainError(ErrorCode.EMAIL_TAKEN, "An account with this email exists.", "email") from None
    if client is not None:
        await throttle.succeeded(db, client[1])
    return user


async def authenticate(db: Db, settings: Settings, email: str, password: str, client: str) -> User:
    """The account whose password this is; RATE_LIMITED once the email's or the client's failures are spent."""
    try:
        email = normalize_email(email)
    except DomainError:
        raise DomainError(ErrorCode.INVALID_CREDENTIALS, "Wrong email or password.") from None
    await throttle.admit(db, settings, client, email)
    async with db() as session:
        user = await session.scalar(select(User).where(User.email == email))
    if not await verify_password(user.password_hash if user else None, password) or user is None:
        await throttle.failed(db, settings, client, email)
        raise DomainError(ErrorCode.INVALID_CREDENTIALS, "Wrong email or password.")
    await throttle.succeeded(db, client, email)
    if user.password_hash and needs_rehash(user.password_hash):
        new_hash = await hash_password(password)
        async with db.begin() as session:
            await session.execute(update(User).where(User.id == user.id).values(password_hash=new_hash))
    return user


async def update_profile(db: Db, user_id: uuid.UUID, *, display_name: str | None, address: dict[str, Any] | None) -> User:
    """Changes what was given; the rest stays."""
    values: dict[str, Any] = {}
    if display_name is not None:
        values["display_name"] = clean_display_name(display_name)
    if address is not None:
        values["default_address"] = address
    async with db.begin() as session:
        if values:
            await session.execute(update(User).where(User.id == user_id).values(**values))
        user = await session.get(User, user_id, populate_existing=True)
    if user is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such account.")
    return user


async def get_user(db: Db, user_id: uuid.UUID) -> User | None:
    async with db() as session:
        return await session.get(User, user_id)


async def list_users(db: Db, page: Page, search: str | None) -> list[User]:
    """Newest first, keyset on (created_at, id); `search` matches email or name."""
    query = select(User)
    search = search or ""
    if search.strip():
        escaped = search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        query = query.where(or_(User.email.ilike(pattern), User.display_name.ilike(pattern)))
    async with db() as session:
        return list(await session.scalars(NEWEST.paged(query, page)))


async def ensure_admin(db: Db, email: str, password: str) -> User:
    """Creates the administrator, or resets its password and role: the run command's start-up step."""
    email = normalize_email(email)
    check_password_policy(password)
    password_hash = await hash_password(password)
    async with db.begin() as session:
        user = await session.scalar(select(User).where(User.email == email).with_for_update())
        if user is None:
            user = User(email=email, password_hash=password_hash, display_name="Administrator", roles=["ADMIN"])
            session.add(user)
        else:
            user.password_hash = password_hash
            user.roles = sorted({*user.roles, "ADMIN"})
    return user


def check_redirect_uri(settings: Settings, uri: str) -> str:
    """The URI when providers may send the browser there: listed in settings, else (development) a local http one."""
    parts = urlsplit(uri)
    if parts.scheme in ("http", "https") and parts.hostname:
        if settings.oidc_redirect_uris:
            if uri in settings.oidc_redirect_uris:
                return uri
        elif parts.hostname in ("localhost", "127.0.0.1"):
            return uri
    raise DomainError(ErrorCode.INVALID_INPUT, "This redirect URI is not allowed.", "redirectUri")


async def start_external_login(db: Db, settings: Settings, providers: Providers, provider_id: str, redirect_uri: str) -> tuple[str, str]:
    """The provider's authorization URL and the state that will come back with the code."""
    provider = providers.get(provider_id)
    if provider is None:
        raise DomainError(ErrorCode.INVALID_INPUT, f"No sign-in provider {provider_id!r}.", "provider")
    redirect_uri = check_redirect_uri(settings, redirect_uri)
    state, code_verifier, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(64), secrets.token_urlsafe(32)
    url = await providers.authorization_url(provider, redirect_uri, state=state, code_verifier=code_verifier, nonce=nonce)
    now = datetime.now(UTC)
    async with db.begin() as session:
        # Abandoned attempts are swept here: there are at most as many as sign-ins started.
        await session.execute(delete(ExternalLoginAttempt).where(ExternalLoginAttempt.expires_at < now - timedelta(days=1)))
        session.add(
            ExternalLoginAttempt(
                state=state, provider=provider.id, redirect_uri=redirect_uri, code_verifier=code_verifier, nonce=nonce, expires_at=now + ATTEMPT_TTL
            )
        )
    return url, state


async def complete_external_login(db: Db, providers: Providers, state: str, code: str) -> User:
    """The account the provider vouches for; a state is spent on first use, even when the code fails."""
    now = datetime.now(UTC)
    spend = (
        update(ExternalLoginAttempt)
        .where(ExternalLoginAttempt.state == state, ExternalLoginAttempt.used_at.is_(None), ExternalLoginAttempt.expires_at > now)
        .values(used_at=now)
        .returning(ExternalLoginAttempt.provider, ExternalLoginAttempt.redirect_uri, ExternalLoginAttempt.code_verifier, ExternalLoginAttempt.nonce)
    )
    async with db.begin() as session:
        attempt = (await session.execute(spend)).one_or_none()
    if attempt is None:
        raise DomainError(ErrorCode.INVALID_CREDENTIALS, "This sign-in expired or was already used; start again.", "state")
    provider = providers.get(attempt.provider)
    if provider is None:
        raise DomainError(ErrorCode.PROVIDER_ERROR, f"The provider {attempt.provider!r} is no longer configured.")
    identity = await providers.identify(provider, attempt.redirect_uri, code, code_verifier=attempt.code_verifier, nonce=attempt.nonce)
    # Two first sign-ins at once (or one beside a registration) meet at a unique index; the loser looks again.
    for _ in range(3):
        try:
            async with db.begin() as session:
                return await _account_for(session, provider.id, identity)
        except IntegrityError:
            continue
    raise DomainError(ErrorCode.CONFLICT, "The account changed while signing in; try again.")


async def _account_for(session: AsyncSession, provider_id: str, identity: Identity) -> User:
    linked = await session.scalar(
        select(User).join(ExternalIdentity, ExternalIdentity.user_id == User.id)
        .where(ExternalIdentity.provider == provider_id, ExternalIdentity.subject == identity.subject)
    )
    if linked is not None:
        return linked
    try:
        email = normalize_email(identity.email or "")
    except DomainError:
        raise DomainError(ErrorCode.PROVIDER_ERROR, "The provider shared no usable email address.") from None
    user = await session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, password_hash=None, display_name=_external_display_name(identity, email), roles=["CUSTOMER"])
        session.add(user)
        await session.flush()
    elif not identity.email_verified:
        # Linking on an unverified address would hand the account to whoever typed it in at the provider.
        raise DomainError(ErrorCode.EMAIL_TAKEN, "An account with this email exists; the provider has not verified the address.", "email")
    session.add(ExternalIdentity(user_id=user.id, provider=provider_id, subject=identity.subject, email=email))
    await session.flush()
    return user


def _external_display_name(identity: Identity, email: str) -> str:
    try:
        return clean_display_name((identity.name or "")[:100])
    except DomainError:
        return email.split("@")[0][:100]
