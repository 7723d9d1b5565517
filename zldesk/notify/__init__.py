"""Notifications (issue 18): what is sent (message.py) and the channels that carry it (channels/). Plain
Python with the standard library's HTTP and SMTP clients: no Textual, no Typer, no store."""
