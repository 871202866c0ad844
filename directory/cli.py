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
