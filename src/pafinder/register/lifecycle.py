"""Placeholder: listing lifecycle commands such as freshness reminders (issue 3)."""

import click

commands: list[click.Command] = []
