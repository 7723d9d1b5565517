"""Who may read the store and the files zldesk writes.

Owner-only (0600) by default. On a shared host a team sets `ZLDESK_GROUP=NAME` (read-write, 0660) or
`ZLDESK_GROUP=NAME:ro` (0640), or `group` in the config file, and the store, its -wal/-shm, backups and
exports get that group.
zldesk refuses a store that anyone on the host can read, and one on a network filesystem, where
SQLite's locks do not hold and two engineers' writes can corrupt it. No SQLAlchemy here (the console's
first paint checks through this too).
"""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

from .. import settings
from ..errors import BadGroupSetting, FileSetupFailed, OutputRefused, StoreFileRefused

GROUP_VAR = "ZLDESK_GROUP"
NETWORK_FILESYSTEMS = {
    "nfs",
    "nfs4",
    "cifs",
    "smb3",
    "smbfs",
    "ncpfs",
    "afs",
    "9p",
    "ceph",
    "glusterfs",
    "lustre",
    "gpfs",
    "davfs",
    "fuse.sshfs",
    "sshfs",
    "fuse.rclone",
    "fuse.s3fs",
    "fuse.glusterfs",
    "fuse.cephfs",
}


@dataclass(frozen=True)
class Sharing:
    group: str | None = None
    gid: int | None = None
    file_mode: int = 0o600
    dir_mode: int = 0o700
    umask: int = 0o077


def sharing() -> Sharing:
    """The sharing the group setting asks for; an unknown group is an error, never a silent 0600."""
    config = settings.current()
    value = config.group or ""
    if not value:
        return Sharing()
    name, _, access = value.partition(":")
    if access not in ("", "rw", "ro"):
        raise BadGroupSetting(value, where=config.where("group"))
    import grp

    try:
        gid = grp.getgrnam(name).gr_gid
    except KeyError:
        raise BadGroupSetting(value, group=name, where=config.where("group")) from None
    if access == "ro":
        return Sharing(name, gid, 0o640, 0o750, 0o027)
    return Sharing(name, gid, 0o660, 0o770, 0o007)


def share(path: Path, how: Sharing | None = None) -> None:
    """Give a file zldesk wrote (an export, a backup) the configured mode and group."""
    how = how or sharing()
    try:
        if how.gid is not None:
            os.chown(path, -1, how.gid)
        os.chmod(path, how.file_mode)
    except OSError as e:
        raise FileSetupFailed(path, "chmod", e.strerror) from None


def prepare(path: Path) -> None:
    """Before SQLite opens the store: create it with the right mode and group if it is new, and set the
    process umask so that SQLite's -wal and -shm (made with the store's mode, less the umask) match."""
    how = sharing()
    if how.group is not None:  # owner-only needs nothing: SQLite gives -wal/-shm the store's 0600
        os.umask(how.umask)
    if path.exists():
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=how.dir_mode)
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, how.file_mode)
    except FileExistsError:
        return
    except OSError as e:
        raise FileSetupFailed(path, "create", e.strerror) from None
    os.close(fd)
    share(path, how)


def check(path: Path) -> None:
    """Refuse a store anyone can read, or one on a network filesystem, saying why and what to do."""
    if path.exists() and not path.is_file():
        raise StoreFileRefused(path, "not_a_file")
    for suffix in ("", "-wal", "-shm"):
        candidate = Path(f"{path}{suffix}")
        try:
            mode = stat.S_IMODE(candidate.stat().st_mode)
        except FileNotFoundError:
            continue
        if mode & 0o007:
            raise StoreFileRefused(candidate, "open_to_others", mode=mode)
    kind = filesystem_type(path)
    if kind in NETWORK_FILESYSTEMS:
        raise StoreFileRefused(path, "network_fs", filesystem=kind)


SIDECARS = ("-wal", "-shm", "-journal")
# The first bytes of SQLite's files: a database (a store, a backup), a -wal (either byte order), a
# -journal, a -shm (its wal-index header starts with version 3007000, in the host's byte order).
_MAGIC = (b"SQLite format 3\x00", b"\x37\x7f\x06\x82", b"\x37\x7f\x06\x83", b"\xd9\xd5\x05\xf9\x20\xa1\x63\xd7")
_SHM = (3007000).to_bytes(4, sys.byteorder)


def resolve_url(db: str | None = None) -> str:
    """`--db`, else the db setting ($ZLDESK_DB, the config file, the platform data directory).
    A value with `://` is a URL."""
    value = db or settings.current().db
    if "://" in value:
        return value
    return "sqlite:///" + str(Path(value).expanduser().absolute())


def store_path(url: str) -> Path | None:
    """The file behind a SQLite URL (`sqlite:///PATH`, any driver, any options); None for other databases."""
    scheme, sep, rest = url.partition(":///")
    if not sep or scheme.split("+")[0] != "sqlite":
        return None
    path = rest.split("?")[0]
    return Path(path) if path and path != ":memory:" else None


def refuse_overwrite(path: Path, store: Path | None, *, databases: bool = False) -> None:
    """Raise OutputRefused where writing `path` would write over the store, its -wal/-shm/-journal, a copy
    kept beside it before an upgrade or a restore, a block device, or (unless `databases`: a backup may
    replace an older backup) any SQLite file. The same file by device and inode (a hard link), by the path
    it resolves to (a symlink, one whose target does not exist yet too), or by its first bytes."""
    target = Path(os.path.realpath(path.expanduser()))
    try:
        st: os.stat_result | None = target.stat()
    except OSError:
        st = None
    shown = "" if target == path.expanduser().absolute() else target  # what the message adds to `path`
    if store is not None:
        for base in dict.fromkeys((store.absolute(), Path(os.path.realpath(store)))):
            for suffix in ("", *SIDECARS):
                mine = Path(f"{base}{suffix}")
                if target == mine or (st is not None and _same(st, mine)):
                    raise OutputRefused(path, suffix or "store", store, shown)
            kept = (f"{base.name}.pre-v", f"{base.name}.before-restore-")
            if st is not None and target.parent == base.parent and target.name.startswith(kept):
                raise OutputRefused(path, "kept", store, shown)
    if st is not None and stat.S_ISBLK(st.st_mode):
        raise OutputRefused(path, "device", store, shown)
    if not databases and st is not None and stat.S_ISREG(st.st_mode) and _sqlite_file(target):
        raise OutputRefused(path, "database", store, shown)


def identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of the file at `path`; None when there is none."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _same(st: os.stat_result, path: Path) -> bool:
    return identity(path) == (st.st_dev, st.st_ino)


def _sqlite_file(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            head = f.read(16)
    except OSError:
        return False  # unreadable to us: nothing we could have read is in it
    return head.startswith(_MAGIC) or head[:4] == _SHM


def read_mountinfo() -> str:
    try:
        return Path("/proc/self/mountinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""  # not Linux: nothing to tell


def filesystem_type(path: Path) -> str | None:
    """The filesystem type of the mount holding `path` (longest matching mount point), or None."""
    target = os.path.realpath(path.parent if not path.exists() else path)
    best, kind = "", None
    for line in read_mountinfo().splitlines():
        fields, sep, tail = line.partition(" - ")
        parts = fields.split()
        if not sep or len(parts) < 5:
            continue
        point = _unescape(parts[4])
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, kind = point, tail.split()[0] if tail.split() else None
    return kind


def _unescape(text: str) -> str:
    # mountinfo writes space, tab, newline and backslash in octal: /mnt/my\040share
    return text.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\")
