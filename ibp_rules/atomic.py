"""Write files completely or not at all.

A strategy, an interview or a caseload written halfway looks complete to the
next reader and is worse than no file. Every output goes to a temporary file
in the *same folder* as the target (a rename is atomic only within one file
system), is flushed and ``fsync``-ed, and is then renamed over the target;
the folder is ``fsync``-ed too, so the rename itself survives a power cut.
A failure leaves the old file as it was and removes the temporary one.

A target that is a symbolic link is written through the link (the file it
points to is replaced, the link stays), as an editor would.

Failures are :class:`~ibp_rules.errors.OutputError` (bad input a person can
fix: a missing folder, no permission, a full disk), naming the path and the
reason in bokmål and English, never the content.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Literal

from .errors import OutputError, Problem

#: errno → (English, bokmål) reason; anything else shows the system's words
_REASONS: dict[int, tuple[str, str]] = {
    errno.ENOENT: ("the folder does not exist", "mappen finnes ikke"),
    errno.ENOTDIR: ("a part of the path is not a folder", "en del av stien er ikke en mappe"),
    errno.EACCES: ("no permission to write there", "ingen tilgang til å skrive der"),
    errno.EPERM: ("no permission to write there", "ingen tilgang til å skrive der"),
    errno.EROFS: ("the file system is read-only", "filsystemet er skrivebeskyttet"),
    errno.ENOSPC: ("the disk is full", "disken er full"),
    errno.EDQUOT: ("the disk quota is used up", "diskkvoten er brukt opp"),
    errno.EISDIR: ("it is a folder, not a file", "det er en mappe, ikke en fil"),
    errno.ENAMETOOLONG: ("the file name is too long", "filnavnet er for langt"),
    errno.EFBIG: ("the file would be too large", "filen ville blitt for stor"),
}


def output_error(path: Path | str, exc: OSError) -> OutputError:
    """An :class:`OutputError` for ``path`` from the system's error."""
    en, nb = _REASONS.get(exc.errno or 0, (exc.strerror or type(exc).__name__, exc.strerror or type(exc).__name__))
    return OutputError(Problem(str(path), None, "", f"cannot write the file: {en}", message_nb=f"kan ikke skrive filen: {nb}"))


def target_of(path: Path) -> Path:
    """The file a write to ``path`` really changes (through symbolic links)."""
    return Path(os.path.realpath(path))


def fsync_folder(folder: Path) -> None:
    """Make a rename or a new file in ``folder`` durable (best effort where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class Beside:
    """A file opened for writing in a target's folder, to be renamed over it or removed.

    A new file gets the permissions any new file gets (0666 less the
    umask), exactly as a plain ``open`` would; over an existing file it takes
    that file's permissions, so a temporary copy is never more open than the
    file it replaces.
    """

    def __init__(self, target: Path, name: str, how: Literal["new", "open", "append"] = "new") -> None:
        """``how``: ``new`` = a file that must not exist yet; ``open`` = create or
        open without truncating (the caller truncates, e.g. after locking);
        ``append`` = create or append."""
        self.path = target.parent / name
        existing: int | None = None
        with contextlib.suppress(OSError):
            existing = os.stat(target).st_mode & 0o7777
        flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
        flags |= {"new": os.O_EXCL, "open": 0, "append": os.O_APPEND}[how]
        fd = os.open(self.path, flags, 0o666 if existing is None else existing)
        try:
            if existing is not None and how == "new":
                os.fchmod(fd, existing)  # the umask must not narrow an existing file's permissions
            self.file: BinaryIO = os.fdopen(fd, "ab" if how == "append" else "wb")
        except BaseException:
            os.close(fd)
            raise

    def sync(self) -> None:
        """Flush to the disk (the data, not just Python's buffer)."""
        self.file.flush()
        os.fsync(self.file.fileno())

    def commit(self, target: Path) -> None:
        """Flush, ``fsync`` and close, then rename over ``target`` and make the rename durable."""
        self.sync()
        self.file.close()
        os.replace(self.path, target)
        fsync_folder(target.parent)

    def discard(self) -> None:
        """Close and remove (the target is left as it was)."""
        with contextlib.suppress(OSError):
            self.file.close()
        with contextlib.suppress(OSError):
            os.unlink(self.path)


def temp_name(target: Path) -> str:
    """A hidden, unique name for a temporary file beside ``target``."""
    return f".{target.name}.{secrets.token_hex(4)}.tmp"


@contextlib.contextmanager
def atomic_output(path: Path | str) -> Iterator[BinaryIO]:
    """A binary file that becomes ``path`` only when the ``with`` block ends without error.

    Raises :class:`OutputError` (path named) if the folder is missing, not
    writable or full — when opening, so a long job fails before it starts.
    """
    shown = Path(path)
    target = target_of(shown)
    try:
        tmp = Beside(target, temp_name(target))
    except OSError as exc:
        raise output_error(shown, exc) from None
    try:
        yield tmp.file
        tmp.commit(target)
    except OSError as exc:
        tmp.discard()
        raise output_error(shown, exc) from None
    except BaseException:
        tmp.discard()
        raise


def write_atomic(path: Path | str, data: bytes | str) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` completely or not at all."""
    with atomic_output(path) as f:
        f.write(data.encode("utf-8") if isinstance(data, str) else data)


def check_writable(path: Path | str) -> None:
    """Raise :class:`OutputError` now if ``path`` could not be written later.

    Creates and removes a temporary file beside the target: the only honest
    test (permissions, read-only mounts and quotas all show up), and it
    leaves nothing behind.
    """
    shown = Path(path)
    target = target_of(shown)
    try:
        if target.is_dir():
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
        Beside(target, temp_name(target)).discard()
    except OSError as exc:
        raise output_error(shown, exc) from None
