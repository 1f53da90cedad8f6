"""Command-line interface (Typer). Commands only call services."""
