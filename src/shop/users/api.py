"""The REST app and its routes: translate HTTP to use cases and back; no business rule here."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Query

from shop.common.envelope import Envelope, PageEnvelope, error_responses
from shop.common.http_app import (
    CurrentAdmin,
    CurrentPrincipal,
    context_dependency,
    create_service_app,
)
from shop.common.readiness import database_probe, service_checks
from shop.common.service_lifespan import service_lifespan
from shop.users import auth_sessions, registration, service
from shop.users.auth_sessions import AuthSession
from shop.users.context import Context
from shop.users.schemas import (
    AddressCreate,
    AddressRead,
    AddressUpdate,
    LoginRequest,
    PageQuery,
    RefreshRequest,
    RegisteredRead,
    RegisterRequest,
    SessionRead,
    UserRead,
    UserUpdate,
)

SERVICE = "users"

# 401 from every route: the gateway secret is checked before any of them runs.
router = APIRouter(responses=error_responses(401))
Ctx = Annotated[Context, Depends(context_dependency(Context))]


def create_app(ctx: Context, *, background: bool = True) -> FastAPI:
    """The REST app; with background, its lifespan runs the outbox relay."""
    return create_service_app(
        service=SERVICE,
        gateway_secrets=ctx.settings.gateway_secrets,
        routers=[router],
        lifespan=service_lifespan(relay=ctx.outbox_relay, background=background),
        checks=service_checks(
            database=database_probe(ctx.engine), rabbitmq_url=ctx.settings.rabbitmq_url
        ),
        context=ctx,
    )


def _session(session: AuthSession) -> SessionRead:
    return SessionRead(
        access_token=session.access_token,
        refresh_token=session.refresh_token,
        expires_in=session.expires_in,
        user=UserRead.model_validate(session.user),
    )


@router.post("/auth/register", status_code=201, responses=error_responses(400, 409))
async def register(body: RegisterRequest, ctx: Ctx) -> Envelope[RegisteredRead]:
    user = await registration.register(
        uow=ctx.uow(),
        passwords=ctx.passwords,
        email=body.email,
        password=body.password,
        name=body.name,
    )
    data = RegisteredRead(user=UserRead.model_validate(user))
    return Envelope[RegisteredRead](data=data, message="User registered")


@router.post("/auth/login", responses=error_responses(400))
async def login(body: LoginRequest, ctx: Ctx) -> Envelope[SessionRead]:
    session = await auth_sessions.login(
        uow=ctx.uow(),
        passwords=ctx.passwords,
        jwt_secret=ctx.settings.jwt_secret,
        email=body.email,
        password=body.password,
        access_ttl_seconds=ctx.settings.access_token_ttl_seconds,
    )
    return Envelope[SessionRead](data=_session(session), message="Logged in")


@router.post("/auth/refresh", responses=error_responses(400))
async def refresh(body: RefreshRequest, ctx: Ctx) -> Envelope[SessionRead]:
    session = await auth_sessions.refresh(
        uow=ctx.uow(),
        jwt_secret=ctx.settings.jwt_secret,
        refresh_token=body.refresh_token,
        access_ttl_seconds=ctx.settings.access_token_ttl_seconds,
    )
    return Envelope[SessionRead](data=_session(session), message="Token refreshed")


@router.post("/auth/logout", responses=error_responses(400))
async def logout(body: RefreshRequest, ctx: Ctx, principal: CurrentPrincipal) -> Envelope[None]:
    await auth_sessions.logout(
        uow=ctx.uow(), user_id=principal.user_id, refresh_token=body.refresh_token
    )
    return Envelope[None](data=None, message="Logged out")


@router.get("/users/me", responses=error_responses(404))
async def get_me(ctx: Ctx, principal: CurrentPrincipal) -> Envelope[UserRead]:
    user = await service.get_user(uow=ctx.uow(), user_id=principal.user_id)
    return Envelope[UserRead](data=UserRead.model_validate(user))


@router.patch("/users/me", responses=error_responses(400, 404))
async def update_me(body: UserUpdate, ctx: Ctx, principal: CurrentPrincipal) -> Envelope[UserRead]:
    user = await service.update_profile(
        uow=ctx.uow(), user_id=principal.user_id, changes=body.changes()
    )
    return Envelope[UserRead](data=UserRead.model_validate(user), message="Profile updated")


@router.get("/users/me/addresses", responses=error_responses(404))
async def list_addresses(ctx: Ctx, principal: CurrentPrincipal) -> Envelope[list[AddressRead]]:
    rows = await service.list_addresses(uow=ctx.uow(), user_id=principal.user_id)
    return Envelope[list[AddressRead]](data=[AddressRead.model_validate(a) for a in rows])


@router.post("/users/me/addresses", status_code=201, responses=error_responses(400, 404))
async def add_address(
    body: AddressCreate, ctx: Ctx, principal: CurrentPrincipal
) -> Envelope[AddressRead]:
    address = await service.add_address(
        uow=ctx.uow(), user_id=principal.user_id, fields=body.model_dump()
    )
    return Envelope[AddressRead](data=AddressRead.model_validate(address), message="Address added")


@router.patch("/users/me/addresses/{address_id}", responses=error_responses(400, 404))
async def update_address(
    address_id: str, body: AddressUpdate, ctx: Ctx, principal: CurrentPrincipal
) -> Envelope[AddressRead]:
    address = await service.update_address(
        uow=ctx.uow(), user_id=principal.user_id, address_id=address_id, changes=body.changes()
    )
    return Envelope[AddressRead](
        data=AddressRead.model_validate(address), message="Address updated"
    )


@router.delete("/users/me/addresses/{address_id}", responses=error_responses(404))
async def delete_address(address_id: str, ctx: Ctx, principal: CurrentPrincipal) -> Envelope[None]:
    await service.delete_address(uow=ctx.uow(), user_id=principal.user_id, address_id=address_id)
    return Envelope[None](data=None, message="Address deleted")


@router.get("/users", responses=error_responses(400, 403))
async def list_users(
    ctx: Ctx, _: CurrentAdmin, page: Annotated[PageQuery, Query()]
) -> PageEnvelope[UserRead]:
    rows, total = await service.list_users(uow=ctx.uow(), offset=page.offset, limit=page.limit)
    return PageEnvelope[UserRead].of(
        [UserRead.model_validate(u) for u in rows], page=page.page, limit=page.limit, total=total
    )
