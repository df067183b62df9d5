"""Admin tests: a staff superuser signed into the test client, and helpers to run an admin action."""
from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from tests.factories import AdminFactory, UserFactory


@pytest.fixture
def staff(db):
    return AdminFactory(username="curator", email="curator@example.com")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def listener(db):
    return UserFactory(username="plainlistener", email="plain@example.com")


def changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def run_action(client, model, action: str, objects, *, confirm: bool = True, **form):
    """POST an admin action as the changelist does; with `confirm`, answer its confirmation page with yes."""
    headers = {k: form.pop(k) for k in list(form) if k.startswith("HTTP_")}
    data = {"action": action, ACTION_CHECKBOX_NAME: [str(o.pk) for o in objects], "index": "0", **form}
    if confirm:
        data["post"] = "yes"
    return client.post(changelist(model), data, **headers)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages] if hasattr(response, "wsgi_request") else []


from tests.etl.conftest import local_bucket  # noqa: E402,F401  (the fixture: a fresh local tracks bucket)
