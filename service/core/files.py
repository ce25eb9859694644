"""Files only the service's own user may read: the data directory (0700) and everything in
it (0600): the SQLite database with its -wal and -shm, proof keys, generated secrets."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger("onboard.files")

DIR_MODE = 0o700
FILE_MODE = 0o600
# Applied to the whole process by the entry points (CLI, ASGI): files that libraries create
# for us (SQLite's, say) are then private from their first byte.
UMASK = 0o077


def restrict_umask() -> None:
    os.umask(UMASK)


def private_dir(path: Path) -> Path:
    """Create the directory (and missing parents) as 0700; tighten it if it exists."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    _tighten(path, DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create an empty file as 0600 when missing; tighten it if it exists."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            path.chmod(FILE_MODE)
    return path


def write_private(path: Path, data: str | bytes, *, replace: bool = True) -> bool:
    """Write a file only the owner can read (0600), never seen half-written: through a
    private temporary file, moved into place (``replace``) or linked there only when the
    path is still free (another process that won the race keeps its file). Whether this
    call's data is now the file's."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)  # O_EXCL: never inherit a leftover file's mode
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode() if isinstance(data, str) else data)
        if replace:
            os.replace(tmp, path)
            return True
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        return True
    finally:
        tmp.unlink(missing_ok=True)


def secure_tree(root: Path) -> None:
    """Make ``root`` and its subdirectories 0700 and every regular file in them 0600: an
    installation made by an earlier version (files 0644) is closed on the next start."""
    private_dir(root)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames:
            _tighten(Path(dirpath, name), DIR_MODE)
        for name in filenames:
            _tighten(Path(dirpath, name), FILE_MODE)


def _tighten(path: Path, mode: int) -> None:
    try:
        if path.is_symlink():
            return  # a mounted secret or a link elsewhere is its owner's business
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            path.chmod(mode)
    except FileNotFoundError:
        pass  # removed meanwhile (a temporary file, a retired key)
    except PermissionError:
        log.warning("cannot make %s private (mode %o): not its owner", path.name, mode)
