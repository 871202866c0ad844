"""Flask commands: thin wrappers over importable functions."""
import click
from flask import Flask, current_app

from directory.seeding import seed_all


def register_commands(app: Flask) -> None:
    """Register `flask seed`."""

    @app.cli.command("seed")
    def seed_command() -> None:
        """Load the vocabularies and the fictional sample listings (safe to run again)."""
        for name, report in seed_all(current_app.config["SEEDS_DIR"]).items():
            click.echo(f"{name}: {report}")
