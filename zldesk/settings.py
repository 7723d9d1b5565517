"""Who and where: the person acting, and (to come) every ZLDESK_* setting in one typed object."""

from __future__ import annotations


def who(name: str | None = None) -> str:
    """Who is acting: `--as NAME`, else the OS user."""
    if name and name.strip():
        return name.strip()
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no passwd entry inside some containers
        return "unknown"
