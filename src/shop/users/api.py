"""REST routes: translate HTTP to use cases and back; no business rule lives here."""

from __future__ import annotations

from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, Query, Request

from shop.common.envelope import page_meta, success
from shop.common.http_app import CurrentAdmin, CurrentPrincipal
from shop.users import auth, service
from shop.users.auth import AuthSession
from shop.users.container import UserContext
from shop.users.schemas import (
    AddressCreate,
    AddressRead,
    AddressUpdate,
    LoginRequest,
    PageQuery,
    RefreshRequest,
    RegisterRequest,
    UserRead,
    UserUpdate,
)

router = APIRouter()
Body = dict[str, Any]


def _context(request: Request) -> UserContext:
    return cast(UserContext, request.app.state.users)


Ctx = Annotated[UserContext, Depends(_context)]


def _user(user: Any) -> Body:
    return UserRead.model_validate(user).dump()


def _address(address: Any) -> Body:
    return AddressRead.model_validate(address).dump()


def _session(session: AuthSession) -> Body:
    return {
        "accessToken": session.access_token,
        "refreshToken": session.refresh_token,
        "tokenType": "Bearer",
        "expiresIn": session.expires_in,
        "user": _user(session.user),
    }


@router.post("/auth/register", status_code=201, response_model=None)
async def register(body: RegisterRequest, ctx: Ctx) -> Body:
    user = await auth.register(
        uow=ctx.uow(),
        passwords=ctx.passwords,
        email=body.email,
        password=body.password,
        name=body.name,
    )
    return success({"user": _user(user)}, "User registered")


@router.post("/auth/login", response_model=None)
async def login(body: LoginRequest, ctx: Ctx) -> Body:
    session = await auth.login(
        uow=ctx.uow(),
        passwords=ctx.passwords,
        jwt_secret=ctx.settings.jwt_secret,
        email=body.email,
        password=body.password,
        access_ttl_seconds=ctx.settings.access_token_ttl_seconds,
    )
    return success(_session(session), "Logged in")


@router.post("/auth/refresh", response_model=None)
async def refresh(body: RefreshRequest, ctx: Ctx) -> Body:
    session = await auth.refresh(
        uow=ctx.uow(),
        jwt_secret=ctx.settings.jwt_secret,
        refresh_token=body.refresh_token,
        access_ttl_seconds=ctx.settings.access_token_ttl_seconds,
    )
    return success(_session(session), "Token refreshed")


@router.post("/auth/logout", response_model=None)
async def logout(body: RefreshRequest, ctx: Ctx, principal: CurrentPrincipal) -> Body:
    await auth.logout(uow=ctx.uow(), user_id=principal.user_id, refresh_token=body.refresh_token)
    return success(None, "Logged out")


@router.get("/users/me", response_model=None)
async def get_me(ctx: Ctx, principal: CurrentPrincipal) -> Body:
    user = await service.get_user(uow=ctx.uow(), user_id=principal.user_id)
    return success(_user(user))


@router.patch("/users/me", response_model=None)
async def update_me(body: UserUpdate, ctx: Ctx, principal: CurrentPrincipal) -> Body:
    user = await service.update_profile(
        uow=ctx.uow(), user_id=principal.user_id, changes=body.changes()
    )
    return success(_user(user), "Profile updated")


@router.get("/users/me/addresses", response_model=None)
async def list_addresses(ctx: Ctx, principal: CurrentPrincipal) -> Body:
    rows = await service.list_addresses(uow=ctx.uow(), user_id=principal.user_id)
    return success([_address(a) for a in rows])


@router.post("/users/me/addresses", status_code=201, response_model=None)
async def add_address(body: AddressCreate, ctx: Ctx, principal: CurrentPrincipal) -> Body:
    address = await service.add_address(
        uow=ctx.uow(), user_id=principal.user_id, fields=body.model_dump()
    )
    return success(_address(address), "Address added")


@router.patch("/users/me/addresses/{address_id}", response_model=None)
async def update_address(
    address_id: str, body: AddressUpdate, ctx: Ctx, principal: CurrentPrincipal
) -> Body:
    address = await service.update_address(
        uow=ctx.uow(), user_id=principal.user_id, address_id=address_id, changes=body.changes()
    )
    return success(_address(address), "Address updated")


@router.delete("/users/me/addresses/{address_id}", response_model=None)
async def delete_address(address_id: str, ctx: Ctx, principal: CurrentPrincipal) -> Body:
    await service.delete_address(uow=ctx.uow(), user_id=principal.user_id, address_id=address_id)
    return success(None, "Address deleted")


@router.get("/users", response_model=None)
async def list_users(ctx: Ctx, _: CurrentAdmin, page: Annotated[PageQuery, Query()]) -> Body:
    rows, total = await service.list_users(uow=ctx.uow(), offset=page.offset, limit=page.limit)
    return success(
        [_user(u) for u in rows], meta=page_meta(page=page.page, limit=page.limit, total=total)
    )
