"""Account pages: sign up, log in (username or email), log out, change password, profile.

Session auth with CSRF; the same account services as /api/v1/auth/, and login and sign-up
count against the same throttles (scopes auth_ip and auth_account) as the API's endpoints.
"""
from __future__ import annotations

import math

from django.contrib import messages
from django.contrib.auth import login as session_login, logout as session_logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.template.response import TemplateResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from jonquils.pages import redirect_after_post, safe_next

from . import services
from .forms import LoginForm, PasswordChangeForm, ProfileForm, SignupForm, add_service_errors
from .throttling import auth_attempt_wait

BACKEND = "accounts.backends.UsernameOrEmailBackend"


@never_cache
def login_throttled_response(request, *, wait: float, template_name: str = "accounts/login_throttled.html",
                             context: dict | None = None) -> TemplateResponse:
    """429 page saying when to try again, with Retry-After; `wait` from `throttling.login_attempt_wait`."""
    seconds = max(1, math.ceil(wait))
    response = TemplateResponse(request, template_name, {**(context or {}), "retry_after_s": seconds}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def _throttled(request, form, template: str, wait: float):
    form.add_error(None, _("Too many attempts. Try again in %(seconds)d seconds.") % {"seconds": math.ceil(wait)})
    response = render(request, template, {"form": form, "next": safe_next(request, "")}, status=429)
    response["Retry-After"] = str(math.ceil(wait))
    return response


@sensitive_post_parameters("password")
@require_http_methods(["GET", "HEAD", "POST"])
def signup(request):
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        wait = auth_attempt_wait(request, data={"username": data["username"], "email": data["email"]})
        if wait is not None:
            return _throttled(request, form, "accounts/signup.html", wait)
        try:
            user = services.user_register(**data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            session_login(request, user, backend=BACKEND)
            messages.success(request, _("Welcome to JONQUILS, %(name)s.") % {"name": user.username})
            return redirect_after_post(request, safe_next(request, "/"))
    return render(request, "accounts/signup.html", {"form": form, "next": safe_next(request, "")},
                  status=400 if request.method == "POST" else 200)


@sensitive_post_parameters("password")
@require_http_methods(["GET", "HEAD", "POST"])
def login(request):
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = auth_attempt_wait(request, data=form.identity())
        if wait is not None:
            return _throttled(request, form, "accounts/login.html", wait)
        try:
            user = services.user_authenticate(password=form.cleaned_data["password"], request=request,
                                              record_login=False, **form.identity())
        except services.InvalidCredentials:
            form.add_error(None, _("The username, email or password is not correct."))
        else:
            session_login(request, user, backend=BACKEND)
            return redirect_after_post(request, safe_next(request, "/"))
    return render(request, "accounts/login.html", {"form": form, "next": safe_next(request, "")},
                  status=400 if request.method == "POST" else 200)


@require_POST
def logout(request):
    session_logout(request)
    return redirect_after_post(request, "/")


@login_required
@sensitive_post_parameters("current_password", "password", "password_again")
@require_http_methods(["GET", "HEAD", "POST"])
def password_change(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_profile_update(user=request.user, current_password=form.cleaned_data["current_password"],
                                                password=form.cleaned_data["password"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            update_session_auth_hash(request, user)  # this browser stays signed in; other devices sign in again
            messages.success(request, _("Your password is changed."))
            return redirect_after_post(request, "/accounts/profile")
    return render(request, "accounts/password.html", {"form": form}, status=400 if request.method == "POST" else 200)


@login_required
@sensitive_post_parameters("current_password")
@require_http_methods(["GET", "HEAD", "POST"])
def profile(request):
    user = request.user
    initial = {"first_name": user.first_name, "last_name": user.last_name, "email": user.email, "country": user.country}
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_profile_update(user=user, current_password=data["current_password"] or None,
                                         first_name=data["first_name"], last_name=data["last_name"],
                                         email=data["email"], country=data["country"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect_after_post(request, "/accounts/profile")
    return render(request, "accounts/profile.html", {"form": form, **_subsonic_context(request)},
                  status=400 if request.method == "POST" else 200)


def _subsonic_context(request, issued=None) -> dict:
    from .subsonic_credentials import subsonic_credentials_get

    return {"subsonic": subsonic_credentials_get(user=request.user), "subsonic_issued": issued,
            "subsonic_server_url": request.build_absolute_uri("/")}


@login_required
@never_cache
@require_POST
def subsonic_credentials(request):
    """Make new Subsonic credentials (shown on this answer only) or revoke them: the profile page's section."""
    from .subsonic_credentials import subsonic_credentials_create, subsonic_credentials_revoke

    issued = None
    if request.POST.get("action") == "revoke":
        # No toast: base.html's <ul role="status"> toasts fail axe (listitem); the section says it instead.
        subsonic_credentials_revoke(user=request.user, request=request)
    else:
        issued = subsonic_credentials_create(user=request.user, request=request)
    user = request.user
    form = ProfileForm(initial={"first_name": user.first_name, "last_name": user.last_name, "email": user.email,
                                "country": user.country})
    response = render(request, "accounts/profile.html", {"form": form, **_subsonic_context(request, issued)})
    response["Cache-Control"] = "no-store"
    return response
