"""`python -m socialpulse`: the same CLI as the `socialpulse` command."""

from socialpulse.cli.main import app

app(prog_name="socialpulse")
