"""Placeholder: `pafinder import-pas` (issue 3)."""

import click

commands: list[click.Command] = []
