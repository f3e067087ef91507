"""Flask CLI commands: seed-demo."""
import click
from flask import Flask


def register(app: Flask) -> None:
    @app.cli.command("seed-demo")
    @click.option("--issues", default=300, show_default=True, help="Issues to create per run (first run only).")
    def seed_demo(issues):
        """Create a believable demo workspace (idempotent)."""
        from . import seed_demo as run
        for line in run(issues):
            click.echo(line)
