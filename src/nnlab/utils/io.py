"""Atomic file writes: a crash mid-save never leaves a half-written file behind.

A write goes to a temporary file inside a private folder next to the target, named
``.<target name>.nnlab-tmp.<pid>.<random>/`` (:data:`TMP_MARKER` makes it
recognisable), then is fsynced and renamed onto the target. The private folder also
catches what a writer creates beside its output (safetensors writes through its own
``.tmpXXXXXX`` file), so a killed write leaves nothing else behind. A process killed mid-write (SIGKILL, power
loss) cannot remove its temporary file, so every later :func:`atomic_write` into the
same folder first deletes the *stale* ones: those whose writing process is gone, or
whose pid now belongs to a process started after the file was last written (pid reuse).
Temporary files of live writers are left alone. Readers refuse temporary files
(:func:`is_temporary`).
"""
from __future__ import annotations

import errno
import logging
import os
import re
import secrets
import shutil
from typing import Callable, List, Optional

logger = logging.getLogger(__name__)

TMP_MARKER = ".nnlab-tmp."
_TMP_RE = re.compile(r"^\.(.*)\.nnlab-tmp\.(\d+)\.[0-9a-f]{8}$")


def _file_mode() -> int:
    umask = os.umask(0)  # the only way to read the umask is to set it; done once, at import
    os.umask(umask)
    return 0o666 & ~umask


_FILE_MODE = _file_mode()


def is_temporary(path: str) -> bool:
    """True for the temporary folder of an (interrupted) :func:`atomic_write`, or a file
    inside one."""
    path = os.path.abspath(os.fspath(path))
    return bool(_TMP_RE.match(os.path.basename(path)) or
                _TMP_RE.match(os.path.basename(os.path.dirname(path))))


def _boot_time() -> Optional[float]:
    try:
        with open("/proc/stat") as f:
            for line in f:
                if line.startswith("btime "):
                    return float(line.split()[1])
    except OSError:
        pass
    return None


def _process_start_time(pid: int) -> Optional[float]:
    """Start time (epoch seconds) of process ``pid``; None if there is no such process;
    0.0 if it exists but its start time is unknown (non-Linux: ``os.kill(pid, 0)``)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        boot = _boot_time()
        return 0.0 if boot is None else boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except FileNotFoundError:
        if os.path.isdir("/proc/self"):
            return None
    except (OSError, ValueError, IndexError):
        return 0.0
    try:
        os.kill(pid, 0)
        return 0.0
    except ProcessLookupError:
        return None
    except OSError:
        return 0.0  # exists but is not ours to signal


def _holds_only_a_write(path: str, name: str) -> bool:
    """Whether ``path`` is what an interrupted :func:`atomic_write` of ``name`` leaves: a
    file, or a folder of files named after ``name`` (and a writer's ``.tmp`` files)."""
    if not os.path.isdir(path):
        return True
    try:
        with os.scandir(path) as entries:
            return all(not e.is_dir(follow_symlinks=False) and
                       (e.name.startswith((name, f".{name}", ".tmp"))) for e in entries)
    except OSError:
        return False


def stale_temporaries(folder: str) -> List[str]:
    """Temporary files in ``folder`` whose writer has died (see the module docstring)."""
    found = []
    try:
        names = os.listdir(folder)
    except OSError:
        return found
    for name in names:
        match = _TMP_RE.match(name)
        if not match:
            continue
        pid = int(match.group(2))
        if pid == os.getpid():
            continue  # ours: a write in progress in this process (another thread)
        path = os.path.join(folder, name)
        if os.path.islink(path) or not _holds_only_a_write(path, match.group(1)):
            continue  # not what atomic_write leaves: someone else's, left alone
        started = _process_start_time(pid)
        try:
            written = os.stat(path).st_mtime
        except FileNotFoundError:
            continue
        if started is None or (started > 0.0 and written < started - 1.0):
            found.append(path)
    return found


def remove_stale_temporaries(folder: str) -> int:
    """Delete the stale temporary files in ``folder``; return how many were removed."""
    removed = 0
    for path in stale_temporaries(folder):
        try:
            if os.path.isdir(path):
                shutil.rmtree(path)
            else:
                os.remove(path)
            removed += 1
            logger.info("removed %s, left by an interrupted save", path)
        except FileNotFoundError:  # another process cleaned it first
            pass
    return removed


def atomic_write(path: str, write: Callable[[str], None], size: Optional[int] = None,
                 kept: str = "") -> None:
    """Call ``write(tmp_path)``, fsync it, then ``os.replace`` it onto ``path``.

    The temporary file lives in the same folder (so the rename is atomic); it is
    removed if ``write`` raises, and ``path`` is then left as it was. Stale temporary
    files of earlier, killed writes into this folder are removed first.

    ``size``: the bytes the file will take, when known: with less free space the write
    is refused before anything is written. A write that fails for want of space or
    another I/O reason (read-only folder, no permission) raises
    :class:`~nnlab.errors.FileWriteError` naming ``path``, the bytes needed and free,
    and what was kept (the previous file; ``kept`` adds e.g. "the model in memory").
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        raise write_error(path, exc, size, kept) from exc
    if size is not None:
        free = free_bytes(folder)
        if free is not None and free < size:
            raise write_error(path, OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), size,
                              kept, free=free, before=True)
    remove_stale_temporaries(folder)
    name = os.path.basename(path)
    # the folder's name holds at most 100 characters of the file's: a 255-character
    # file name is valid, and the file inside keeps its whole name
    tmp_dir = os.path.join(folder, f".{name[:100]}{TMP_MARKER}{os.getpid()}."
                                   f"{secrets.token_hex(4)}")
    tmp = os.path.join(tmp_dir, name)
    try:
        os.mkdir(tmp_dir)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _FILE_MODE)
        os.close(fd)
        write(tmp)
        os.chmod(tmp, _FILE_MODE)  # the writer may have made it 0600: a normal mode
        with open(tmp, "rb+") as f:
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except Exception as exc:
        error = write_error(path, exc, size, kept, written=_size_of(tmp))
        if error is None:
            raise
        raise error from exc
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def write_bytes(path: str, data: bytes) -> None:
    """Write ``data`` to the existing file ``path`` (never through a link), so that a
    failure is the system's own ``OSError`` (e.g. ``ENOSPC``) rather than a library's."""
    fd = os.open(path, os.O_WRONLY | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0))
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def free_bytes(folder: str) -> Optional[int]:
    """Bytes free for this user in ``folder``'s file system (None if unknown)."""
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


def _size_of(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


_FULL = ("no space left", "os error 28", "storagefull", "disk quota", "os error 122")


def _is_disk_full(exc: BaseException, folder: str, size: Optional[int]) -> bool:
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    text = str(exc).lower()
    if any(marker in text for marker in _FULL):
        return True
    # torch's zip writer hides the errno ("unexpected pos ..."): judge by the free space
    free = free_bytes(folder)
    return isinstance(exc, RuntimeError) and "unexpected pos" in text and \
        free is not None and free < max(2**20, size or 0)


def _human(n: int) -> str:
    """``n`` bytes, exactly and (from 1 KiB) in binary units: "10,012 bytes (9.8 KiB)"."""
    text = f"{n:,} bytes"
    for unit, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale:
            return f"{text} ({n / scale:.1f} {unit})"
    return text


def write_error(path: str, exc: BaseException, size: Optional[int], kept: str = "",
                free: Optional[int] = None, written: int = 0,
                before: bool = False) -> Optional[Exception]:
    """The :class:`~nnlab.errors.FileWriteError` for a write of ``path`` that failed with
    ``exc`` (None when ``exc`` is no I/O failure: it is raised as it is)."""
    from ..errors import FileWriteError
    folder = os.path.dirname(os.path.abspath(path))
    previous = f"the previous {os.path.basename(path)} is unchanged" if os.path.exists(path) \
        else "no file was written there"
    kept_text = previous + (f"; {kept}" if kept else "")
    if _is_disk_full(exc, folder, size):
        free = free_bytes(folder) if free is None else free
        needed = _human(size) if size is not None else f"more than {_human(written)}"
        when = "refused before writing" if before else "the write failed"
        message = (f"Cannot write {path!r}: not enough disk space ({when}): it needs "
                   f"{needed}, {_human(free) if free is not None else 'an unknown amount'} "
                   f"free in {folder!r}. Nothing partial was left: {kept_text}. Free some "
                   f"space or write elsewhere.")
        code = errno.ENOSPC
    elif isinstance(exc, OSError) and exc.errno is not None:
        message = (f"Cannot write {path!r}: {exc.strerror or exc} (errno {exc.errno}). "
                   f"Nothing partial was left: {kept_text}.")
        code = exc.errno
    else:
        return None
    error = FileWriteError(code, message)
    error.filename = path
    return error
