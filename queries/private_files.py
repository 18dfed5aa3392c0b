"""Files only their owner may read.

``TORIHIKI_HOME`` holds confidential ledgers: the embedded store, the reject
files (raw ledger lines), uploads, the session key. Folders made for them
are 0700 and files 0600, whatever the process's umask (a umask of 022
made them 0755 and 0644 before: readable by every local user).

A folder that exists is left as it is (``TORIHIKI_HOME`` may be a folder
made by someone else, a mount point); a file of ours that exists and is
readable by others is narrowed to its owner.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path
from typing import IO, Any

__all__ = ["PRIVATE_DIR", "PRIVATE_FILE", "private_dir", "private_file", "open_private", "narrow"]

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def private_dir(path: Path) -> Path:
    """``path`` as a folder: made 0700 if missing (missing parents with the
    usual mode), left as it is if it exists."""
    try:
        path.mkdir(mode=PRIVATE_DIR)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        return private_dir(path)
    except FileExistsError:
        if not path.is_dir():
            raise
        return path
    os.chmod(path, PRIVATE_DIR)  # exactly 0700: the umask may have taken more
    return path


def private_file(path: Path) -> Path:
    """``path`` as a file of its owner only: made empty and 0600 if missing,
    narrowed to its owner if it exists (:func:`narrow`)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    except FileExistsError:
        narrow(path)
        return path
    os.chmod(path, PRIVATE_FILE)
    return path


def narrow(path: Path) -> None:
    """Take group and other permissions off ``path`` if it has any (best
    effort: a missing file, or one this user may not change, is left)."""
    with contextlib.suppress(FileNotFoundError, PermissionError):
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            os.chmod(path, mode & 0o700)


def _opener(path: str, flags: int) -> int:
    fd = os.open(path, flags, PRIVATE_FILE)
    with contextlib.suppress(OSError):
        os.fchmod(fd, PRIVATE_FILE)  # a file that existed keeps its mode otherwise
    return fd


def open_private(path: Path, mode: str = "w", **kwargs: Any) -> IO[Any]:
    """``open(path, mode, **kwargs)`` for writing a file 0600."""
    return open(path, mode, opener=_opener, **kwargs)  # noqa: SIM115 (the caller closes it)
