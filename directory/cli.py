"""Flask commands: thin wrappers over importable functions."""
import signal
import threading

import click
from flask import Flask, current_app

from directory.admin.accounts import change_password, create_admin, find_admin
from directory.geo import PLACES_FILE, write_places
from directory.listings.reconfirmation import send_reconfirmations
from directory.mail import deliver_due, run_worker
from directory.opendata.export import export_directory
from directory.opendata.importer import import_directory
from directory.seeding import SeedError, seed_all


def register_commands(app: Flask) -> None:
    """Register `flask seed`, `flask send-mail`, `flask export-hsds` and friends."""

    @app.cli.command("export-hsds")
    @click.argument("directory", type=click.Path(file_okay=False))
    def export_hsds_command(directory: str) -> None:
        """Write every published listing as HSDS 3.0 CSV tables and hsds.json into DIRECTORY."""
        counts = export_directory(directory)
        click.echo(", ".join(f"{count} {table}" for table, count in counts.items()) + f" written to {directory}")

    @app.cli.command("import-hsds")
    @click.argument("directory", type=click.Path(exists=True, file_okay=False))
    @click.option("--skip-bad", is_flag=True, help="Import the good rows even if some rows are bad.")
    @click.option("--publish", is_flag=True, help="Publish at once (trusted source) instead of waiting for review.")
    def import_hsds_command(directory: str, skip_bad: bool, publish: bool) -> None:
        """Validate and import HSDS 3.0 CSV tables from DIRECTORY; nothing is imported if a row is bad."""
        report = import_directory(directory, skip_bad=skip_bad, publish=publish)
        for error in report.errors:
            click.echo(str(error), err=True)
        if not report.imported:
            raise click.ClickException(
                f"{len(report.errors)} bad row(s); nothing was imported. Fix them, or use --skip-bad."
            )
        click.echo(str(report))

    @app.cli.command("build-places")
    def build_places_command() -> None:
        """Recompile the offline geocoder's place table from the zipcodes package (after upgrading it)."""
        write_places()
        click.echo(f"wrote {PLACES_FILE}")

    @app.cli.command("seed")
    @click.option("--samples", is_flag=True, help="Also add the fictional sample listings that are missing (for development and demos).")
    def seed_command(samples: bool) -> None:
        """Load the therapies, conditions and checklist (safe to run again); --samples adds sample listings."""
        try:
            reports = seed_all(current_app.config["SEEDS_DIR"], samples=samples)
        except SeedError as error:
            raise click.ClickException(str(error)) from error
        for name, report in reports.items():
            click.echo(f"{name}: {report}")

    @app.cli.command("create-admin")
    @click.argument("email")
    def create_admin_command(email: str) -> None:
        """Add a moderator who can sign in to /admin (the password is asked for twice, not echoed)."""
        # Prompted, never an option: a password on the command line ends up in shell history.
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        try:
            admin = create_admin(email, password)
        except ValueError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"Moderator {admin.email} created. Sign in at /admin/login.")

    @app.cli.command("set-admin-password")
    @click.argument("email")
    def set_admin_password_command(email: str) -> None:
        """Give a moderator a new password (asked for twice, not echoed); it signs them out everywhere."""
        admin = find_admin(email)
        if admin is None:
            raise click.ClickException(f"There is no moderator with the email {email}.")
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
        try:
            change_password(admin, password)
        except ValueError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"Password changed for {admin.email}; their sessions are signed out.")

    @app.cli.command("send-reconfirmations")
    def send_reconfirmations_command() -> None:
        """Email a "still accurate?" link for listings not confirmed for 12 months (each once)."""
        click.echo(f"Sent {send_reconfirmations()} reminder(s).")

    @app.cli.command("send-mail")
    @click.option("--once", is_flag=True, help="Deliver what is due now, then exit (for cron and tests).")
    def send_mail_command(once: bool) -> None:
        """Deliver the outbox, retrying failures with backoff; runs until stopped (Ctrl-C or SIGTERM)."""
        if once:
            report = deliver_due()
            click.echo(f"{report.sent} sent, {report.failed} not delivered (see the log)")
            return
        stop = threading.Event()
        # Finish the message being sent, then exit: a stop never leaves a message half-recorded.
        for stop_signal in (signal.SIGTERM, signal.SIGINT):
            signal.signal(stop_signal, lambda *_: stop.set())
        run_worker(stop)
