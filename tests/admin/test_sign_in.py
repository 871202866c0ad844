"""Signing in and out: a lockout per account whatever the address, sessions that end when they should."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from directory.admin import accounts
from directory.admin.models import LoginLockout
from directory.database import utcnow
from directory.extensions import db
from tests.admin.conftest import PASSWORD
from tests.listings.conftest import hidden_fields, page_text, post_form

WRONG = "not the password at all"


def _fail(email: str, times: int, now) -> None:
    for _ in range(times):
        assert accounts.authenticate(email, WRONG, now=now) is None


@pytest.mark.parametrize("failures, delay", [(4, None), (5, 60), (6, 120), (7, 240), (11, 3600), (500, 3600)])
def test_the_pause_doubles_from_the_fifth_wrong_password_up_to_an_hour(failures, delay):
    expected = timedelta(seconds=delay) if delay else None
    assert accounts.lockout_delay(failures) == expected


def test_five_wrong_passwords_pause_the_account_even_for_the_right_one(admin):
    now = utcnow()
    _fail(admin.email, 5, now)
    with pytest.raises(accounts.SignInPaused) as paused:
        accounts.authenticate(admin.email, PASSWORD, now=now + timedelta(seconds=30))
    assert paused.value.seconds == 30
    # After the pause the right password works and wipes the count.
    assert accounts.authenticate(admin.email, PASSWORD, now=now + timedelta(seconds=61)) is admin
    assert db.session.scalar(select(func.count()).select_from(LoginLockout)) == 0
    _fail(admin.email, 4, now + timedelta(seconds=62))
    assert accounts.authenticate(admin.email, PASSWORD, now=now + timedelta(seconds=63)) is admin


def test_each_wrong_password_after_a_pause_doubles_it(admin):
    now = utcnow()
    _fail(admin.email, 5, now)
    _fail(admin.email, 1, now + timedelta(seconds=61))
    with pytest.raises(accounts.SignInPaused) as paused:
        accounts.authenticate(admin.email, PASSWORD, now=now + timedelta(seconds=62))
    assert paused.value.seconds == 119


def test_an_unknown_email_is_paused_just_like_a_real_one(admin):
    now = utcnow()
    _fail("nobody@example.org", 5, now)
    _fail(admin.email, 5, now)
    for email in ("nobody@example.org", admin.email):
        with pytest.raises(accounts.SignInPaused) as paused:
            accounts.authenticate(email, WRONG, now=now)
        assert paused.value.seconds == 60
    # Emails are counted by their hash only, never stored as typed.
    assert "nobody@example.org" not in str(db.session.scalars(select(LoginLockout.email_hash)).all())


def test_wrong_passwords_a_day_apart_are_not_added_up(admin):
    now = utcnow()
    _fail(admin.email, 4, now)
    _fail(admin.email, 4, now + timedelta(days=1, seconds=1))
    assert accounts.authenticate(admin.email, PASSWORD, now=now + timedelta(days=1, seconds=2)) is admin


def _from(address: str) -> dict[str, dict[str, str]]:
    return {"environ_base": {"REMOTE_ADDR": address, "HTTP_X_FORWARDED_FOR": address}}


def test_the_lockout_holds_whatever_address_the_tries_come_from(rate_limited, client, admin, make_admin):
    for number in range(5):
        wrong = post_form(client, "/admin/login", {"email": admin.email, "password": WRONG}, **_from(f"10.0.0.{number}"))
        assert wrong.status_code == 200
        unknown = post_form(client, "/admin/login", {"email": "nobody@example.org", "password": WRONG},
                            **_from(f"10.0.1.{number}"))
        assert unknown.status_code == 200
    for email in (admin.email, "nobody@example.org"):
        paused = post_form(client, "/admin/login", {"email": email, "password": PASSWORD}, **_from("10.0.2.1"))
        assert paused.status_code == 429
        assert 0 < int(paused.headers["Retry-After"]) <= 60
        text = page_text(paused)
        assert "After several wrong passwords for one account" in text
        assert "from one place" not in text
        assert f'value="{email}"' in text and PASSWORD not in text
    assert client.get("/admin/").status_code == 302
    # Another moderator's account is not affected.
    other = make_admin("other@example.org")
    assert post_form(client, "/admin/login", {"email": other.email, "password": PASSWORD},
                     **_from("10.0.2.1")).status_code == 302


# --- Sessions --------------------------------------------------------------------------------


def _signed_in(client) -> bool:
    return client.get("/admin/").status_code == 200


def _sign_out(client) -> None:
    csrf = hidden_fields(page_text(client.get("/admin/")))["csrf_token"]
    assert client.post("/admin/logout", data={"csrf_token": csrf}).status_code == 302


def _copy_of(app, client):
    """A second client holding a copy of `client`'s session cookie."""
    copy = app.test_client()
    cookie = client.get_cookie("session")
    copy.set_cookie("session", cookie.value, domain=cookie.domain)
    return copy


def test_a_copied_cookie_is_signed_out_with_its_session(app, admin_client):
    copied = _copy_of(app, admin_client)
    assert _signed_in(copied)
    _sign_out(admin_client)
    assert not _signed_in(admin_client)
    assert not _signed_in(copied)


def test_signing_in_again_ends_the_older_session(app, admin_client, admin):
    copied = _copy_of(app, admin_client)
    other = app.test_client()
    assert post_form(other, "/admin/login", {"email": admin.email, "password": PASSWORD}).status_code == 302
    assert _signed_in(other)
    assert not _signed_in(copied) and not _signed_in(admin_client)


def test_a_password_change_signs_out_every_session(app, admin_client, admin, runner):
    new_password = "an entirely new passphrase"
    result = runner.invoke(args=["set-admin-password", "MOD@example.org"], input=f"{new_password}\n{new_password}\n")
    assert result.exit_code == 0, result.output
    assert new_password not in result.output
    assert not _signed_in(admin_client)
    assert accounts.authenticate(admin.email, new_password) is admin
    assert accounts.authenticate(admin.email, PASSWORD) is None


def test_set_admin_password_refuses_an_unknown_email_and_a_short_password(runner, admin):
    assert "no moderator" in runner.invoke(args=["set-admin-password", "x@example.org"]).output
    short = runner.invoke(args=["set-admin-password", admin.email], input="short\nshort\n")
    assert short.exit_code == 1 and "at least 12 characters" in short.output


@pytest.mark.parametrize("session_id", ["1", "1:", "1:None", "x:y", "99999999999999999999999:abc", ":"])
def test_a_session_without_the_current_token_is_nobody(admin, session_id):
    # Never signed in: no session is valid, not even one claiming the missing token.
    assert accounts.admin_for_session(admin.get_id()) is None
    accounts.authenticate(admin.email, PASSWORD)
    assert accounts.admin_for_session(session_id.replace("1", str(admin.id), 1)) is None
    current = admin.get_id()
    assert accounts.admin_for_session(current) is admin
    accounts.end_session(admin)
    assert accounts.admin_for_session(current) is None
