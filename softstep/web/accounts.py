"""Sign in and out, and the account page (multi-user mode): change the password, share my
runs with a coach, stop sharing, and the athletes who share with me.

The sign-in form is protected against login CSRF by a pre-session token: GET /login sets it in
the cookie ``softstep_login`` and in the form; POST /login needs both, equal (and the same-origin
check of ``access.csrf_guard``).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from softstep.store.accounts import MIN_PASSWORD_CHARS, AccountError
from softstep.web.access import SESSION_COOKIE, Viewer, current_viewer
from softstep.web.pages import render_page

router = APIRouter(include_in_schema=False)

LOGIN_COOKIE = "softstep_login"


def _safe_next(target: str | None) -> str:
    """``target`` when it is a path on this site (not ``//host``), else /runs."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/runs"


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _login_form(request: Request, status_code: int = 200, *, error: str | None = None,
                name: str = "", next_path: str = "/runs") -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    response = render_page("login.html.j2", status_code, title="Sign in", viewer=None, error=error,
                           user_name=name, next=next_path, login_token=token)
    response.set_cookie(LOGIN_COOKIE, token, max_age=3600, httponly=True, samesite="strict",
                        secure=_secure(request), path="/login")
    return response


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> Response:  # noqa: A002
    """The sign-in form (single-user mode has no sign-in: to the runs)."""
    if not request.app.state.multi_user:
        return RedirectResponse("/runs", status_code=303)
    return _login_form(request, next_path=_safe_next(next))


@router.post("/login")
def login(request: Request, name: str = Form(""), password: str = Form(""),
          login_token: str = Form(""), next: str = Form("/runs")) -> Response:  # noqa: A002
    """Check name and password; on success set the session cookie and go to ``next``."""
    if not request.app.state.multi_user:
        return RedirectResponse("/runs", status_code=303)
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    if not cookie or not secrets.compare_digest(cookie.encode(), login_token.encode()):
        return _login_form(request, 403, name=name, next_path=_safe_next(next),
                           error="The sign-in form expired or came from another site; "
                                 "sign in again.")
    accounts = request.app.state.accounts
    user = accounts.verify_password(name, password)
    if user is None:
        return _login_form(request, 401, name=name, next_path=_safe_next(next),
                           error="Wrong user name or password.")
    session = accounts.create_session(user.name)
    response = RedirectResponse(_safe_next(next), status_code=303)
    max_age = int(accounts.session_lifetime.total_seconds())
    response.set_cookie(SESSION_COOKIE, session.token, max_age=max_age, httponly=True,
                        samesite="lax", secure=_secure(request))
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, viewer: Viewer = Depends(current_viewer)) -> Response:
    """End this session and clear its cookie."""
    if viewer.user is not None:
        request.app.state.accounts.delete_session(request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login" if viewer.user else "/runs", status_code=303)
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax")
    return response


def _account_page(request: Request, viewer: Viewer, status_code: int = 200, *,
                  error: str | None = None, saved: str | None = None) -> HTMLResponse:
    if viewer.user is None:  # single-user mode: how to get accounts (a change: 404, none here)
        return render_page("single_user.html.j2", 200 if request.method == "GET" else 404,
                           title="No accounts: single-user mode", viewer=viewer)
    accounts = request.app.state.accounts
    return render_page("account.html.j2", status_code, title="Account", viewer=viewer, error=error,
                       saved=saved, coaches=accounts.coaches(viewer.user),
                       athletes=accounts.athletes(viewer.user), min_chars=MIN_PASSWORD_CHARS)


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, viewer: Viewer = Depends(current_viewer)) -> HTMLResponse:
    return _account_page(request, viewer)


@router.post("/account/password", response_class=HTMLResponse)
def change_password(request: Request, old_password: str = Form(""),
                    new_password: str = Form(""),
                    viewer: Viewer = Depends(current_viewer)) -> HTMLResponse:
    """New password after the current one; signs out the user's other sessions."""
    if viewer.user is None:
        return _account_page(request, viewer)
    try:
        request.app.state.accounts.change_password(
            viewer.user, old_password, new_password,
            keep_token=request.cookies.get(SESSION_COOKIE))
    except AccountError as exc:
        return _account_page(request, viewer, 400, error=str(exc))
    return _account_page(request, viewer, saved="Password changed.")


def _change_share(request: Request, viewer: Viewer, coach: str,
                  change: Callable[[str, str], None], saved: str) -> HTMLResponse:
    """Apply ``change(athlete, coach)`` (Accounts.share or unshare) for the viewer; the
    account page says ``saved`` (with ``{coach}``) or what went wrong."""
    if viewer.user is None:
        return _account_page(request, viewer)
    coach = coach.strip()
    try:
        change(viewer.user, coach)
    except AccountError as exc:
        return _account_page(request, viewer, 400, error=str(exc))
    return _account_page(request, viewer, saved=saved.format(coach=coach))


@router.post("/account/share", response_class=HTMLResponse)
def share(request: Request, coach: str = Form(""),
          viewer: Viewer = Depends(current_viewer)) -> HTMLResponse:
    """Let user ``coach`` read my runs."""
    return _change_share(request, viewer, coach, request.app.state.accounts.share,
                         "{coach} may now read your runs.")


@router.post("/account/unshare", response_class=HTMLResponse)
def unshare(request: Request, coach: str = Form(""),
            viewer: Viewer = Depends(current_viewer)) -> HTMLResponse:
    """Stop letting ``coach`` read my runs."""
    return _change_share(request, viewer, coach, request.app.state.accounts.unshare,
                         "{coach} no longer reads your runs.")
