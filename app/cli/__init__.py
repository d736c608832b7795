"""The `laborstats` command (`main.app`), a module per group of commands."""

from app.cli.main import app

__all__ = ["app"]
