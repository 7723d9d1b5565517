"""A throwaway PostgreSQL server for the tests: initdb into a temporary folder, listening on a Unix
socket only, stopped at the end. Uses the Debian packages' binaries (`.ci/run` installs them).

`ZLDESK_TEST_PG=postgresql+psycopg://...` uses that server instead (each test still gets a database
of its own). `ZLDESK_REQUIRE_PG=1` (set by `.ci/run`) makes a missing server an error, not a skip.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

PORT = 54329


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return versions[-1] if versions else None


class Server:
    def __init__(self) -> None:
        self.folder: Path | None = None
        self.admin_url = os.environ.get("ZLDESK_TEST_PG")
        self.started = False

    def start(self) -> str | None:
        """The admin URL of a running server, or None when none can be had here."""
        if self.admin_url:
            return self.admin_url
        initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
        if not initdb or not pg_ctl:
            return None
        self.folder = Path(tempfile.mkdtemp(prefix="zldesk-pg-"))
        data, sock = self.folder / "data", self.folder / "sock"
        sock.mkdir()
        run_as: list[str] = []
        if os.geteuid() == 0:  # PostgreSQL will not run as root: hand the folder to its own user
            shutil.chown(self.folder, "postgres")
            shutil.chown(sock, "postgres")
            self.folder.chmod(0o755)
            run_as = ["runuser", "-u", "postgres", "--"]
        env = {**os.environ, "LC_ALL": "C.UTF-8"}
        subprocess.run(
            [*run_as, initdb, "-D", str(data), "-U", "zldesk", "--auth=trust", "-E", "UTF8", "--no-sync"],
            check=True,
            capture_output=True,
            env=env,
        )
        options = f"-k {sock} -c listen_addresses='' -p {PORT} -c fsync=off -c max_connections=100"
        subprocess.run(
            [*run_as, pg_ctl, "-D", str(data), "-o", options, "-w", "-l", str(self.folder / "log"), "start"],
            check=True,
            capture_output=True,
            env=env,
        )
        self.run_as, self.pg_ctl, self.data = run_as, pg_ctl, data
        self.started = True
        self.admin_url = f"postgresql+psycopg://zldesk@/postgres?host={sock}&port={PORT}"
        return self.admin_url

    def database(self) -> str:
        """A new empty database; its URL."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self._libpq(self.admin_url), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'")
        base, _, query = self.admin_url.partition("?")
        return f"{base.rsplit('/', 1)[0]}/{name}" + (f"?{query}" if query else "")

    def stop(self) -> None:
        if self.started:
            subprocess.run(
                [*self.run_as, self.pg_ctl, "-D", str(self.data), "-m", "immediate", "stop"], capture_output=True
            )
            self.started = False
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)

    @staticmethod
    def _libpq(url: str) -> str:
        return url.replace("postgresql+psycopg://", "postgresql://", 1)
