"""Moderators for the admin tests, and a client signed in as one."""
from typing import Callable

import pytest

from directory.admin.models import Admin
from directory.admin.accounts import create_admin
from tests.listings.conftest import listing_data, listing_form, make_listing, outbox, post_form, rate_limited  # noqa: F401

PASSWORD = "correct horse battery staple"


@pytest.fixture
def make_admin(app) -> Callable[..., Admin]:
    """Create a moderator (password PASSWORD unless given)."""

    def build(email: str = "mod@example.org", password: str = PASSWORD) -> Admin:
        return create_admin(email, password)

    return build


@pytest.fixture
def admin(make_admin) -> Admin:
    """The moderator of most tests."""
    return make_admin()


@pytest.fixture
def admin_client(client, admin):
    """A client signed in as `admin`."""
    response = post_form(client, "/admin/login", {"email": admin.email, "password": PASSWORD})
    assert response.status_code == 302
    return client
