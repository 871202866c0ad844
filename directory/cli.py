"""Flask commands: thin wrappers over importable functions."""
import click
from flask import Flask, current_app

from directory.seeding import SeedError, seed_all


def register_commands(app: Flask) -> None:
    """Register `flask seed`."""

    @app.cli.command("seed")
    def seed_command() -> None:
        """Load the vocabularies and the fictional sample listings (safe to run again)."""
        try:
            reports = seed_all(current_app.config["SEEDS_DIR"])
        except SeedError as error:
            raise click.ClickException(str(error)) from error
        for name, report in reports.items():
            click.echo(f"{name}: {report}")

    @app.cli.command("create-admin")
    @click.argument("email")
    def create_admin_command(email: str) -> None:
        """Add a moderator who can sign in to /admin (the password is asked for twice, not echoed)."""
        from directory.admin.services import create_admin

        # Prompted, never an option: a password on the command line ends up in shell history.
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        try:
            admin = create_admin(email, password)
        except ValueError as error:
            raise click.ClickException(str(error)) from error
        click.echo(f"Moderator {admin.email} created. Sign in at /admin/login.")

    @app.cli.command("send-reconfirmations")
    def send_reconfirmations_command() -> None:
        """Email a "still accurate?" link for listings not confirmed for 12 months (each once)."""
        from directory.listings.services import send_reconfirmations

        click.echo(f"Sent {send_reconfirmations()} reminder(s).")
