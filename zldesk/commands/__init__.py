"""Typer sub-apps, one per noun. Each imports the store and friends inside its commands, so that
`zldesk --help` loads none of them."""
