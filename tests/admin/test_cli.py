"""`flask create-admin` and `flask send-reconfirmations`."""
from datetime import timedelta

from sqlalchemy import select
from werkzeug.security import check_password_hash

from directory.admin.models import Admin
from directory.database import utcnow
from directory.extensions import db
from directory.therapists.models import ListingStatus

PASSWORD = "a long enough password"


def test_create_admin_prompts_twice_without_echo(runner):
    result = runner.invoke(args=["create-admin", "First@Example.org"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Moderator first@example.org created." in result.output
    assert PASSWORD not in result.output
    assert "Repeat for confirmation" in result.output
    admin = db.session.scalars(select(Admin)).one()
    assert check_password_hash(admin.password_hash, PASSWORD)


def test_create_admin_asks_again_when_the_two_differ(runner):
    result = runner.invoke(args=["create-admin", "a@example.org"],
                           input=f"{PASSWORD}\nsomething else\n{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "the two entered values do not match" in result.output.lower()


def test_create_admin_refuses_a_short_password_and_a_duplicate(runner):
    short = runner.invoke(args=["create-admin", "a@example.org"], input="short\nshort\n")
    assert short.exit_code == 1 and "at least 12 characters" in short.output
    runner.invoke(args=["create-admin", "a@example.org"], input=f"{PASSWORD}\n{PASSWORD}\n")
    again = runner.invoke(args=["create-admin", "a@example.org"], input=f"{PASSWORD}\n{PASSWORD}\n")
    assert again.exit_code == 1 and "already a moderator" in again.output


def test_send_reconfirmations_is_idempotent(runner, make_listing, outbox):
    therapist, _ = make_listing(status=ListingStatus.PUBLISHED.value)
    therapist.confirmed_at = utcnow() - timedelta(days=400)
    db.session.commit()
    first = runner.invoke(args=["send-reconfirmations"])
    assert first.exit_code == 0 and "Sent 1 reminder(s)." in first.output
    assert runner.invoke(args=["send-reconfirmations"]).output.strip() == "Sent 0 reminder(s)."
    assert [m.subject for m in outbox()].count("Is your KnotFree listing still accurate?") == 1
