"""zldesk: a terminal helpdesk console for on-call engineers of a ZLHIS maintenance contract."""

__version__ = "0.1.0"
