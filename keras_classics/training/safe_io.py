"""Writing a run folder so that nothing in it is ever half-written.

Three tools, used by the run and its callbacks:

- `signals_deferred`: SIGINT (Ctrl-C) and SIGTERM that arrive while a file
  is being saved are held back and delivered once the save is complete, so
  an interrupt never tears a file.
- `atomic_write`: write to a temporary file in the same folder, flush it to
  disk, then rename it over the target. A reader (or a restarted run) sees
  the old file or the new one, never a mixture, even after ``kill -9`` or a
  power cut; a failed write names the file it was writing.
- `RunFolderLock`: an OS lock (``fcntl.flock``) on ``<run folder>/.lock``,
  so that one process at a time writes a run folder. The kernel drops the
  lock when its process ends, however it ends, so a killed run never leaves
  a stale lock behind.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import signal
import socket
import threading
from typing import Callable, Iterator, Optional

__all__ = [
    "signals_deferred",
    "atomic_write",
    "write_json",
    "file_sha256",
    "RunFolderInUse",
    "RunFolderLock",
    "LOCK_FILE",
]

LOCK_FILE = ".lock"
_DEFERRED = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold back SIGINT and SIGTERM until the block ends, then deliver them.

    Only the main thread can set signal handlers; elsewhere (and for a
    SIGTERM handler installed outside Python, such as TensorFlow's, which
    could not be put back) the block runs unprotected.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received = []
    previous = {}
    for signum in _DEFERRED:
        handler = signal.getsignal(signum)
        if handler is None:
            continue
        previous[signum] = handler
        signal.signal(signum, lambda number, frame: received.append(number))
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for signum in dict.fromkeys(received):
            signal.raise_signal(signum)


def _fsync_folder(folder: str) -> None:
    # The rename itself must reach the disk, or a power cut can undo it.
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def _fsync_file(path: str) -> None:
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def atomic_write(path: str, write: Callable[[str], None], *, suffix: str = "") -> None:
    """Have ``write(temporary_path)`` write a file, then rename it to ``path``.

    ``suffix`` ends the temporary name (Keras insists on ``.keras`` or
    ``.weights.h5``). The temporary name holds the process id, so that two
    processes writing one file never write into each other's temporary. An
    error names ``path``, and leaves ``path`` as it was.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    name = os.path.basename(path)
    temporary = os.path.join(folder, f".{name}.{os.getpid()}.partial{suffix}")
    with signals_deferred():
        try:
            write(temporary)
            _fsync_file(temporary)
            os.replace(temporary, path)
        except OSError as error:
            _remove_quietly(temporary)
            reason = error.strerror or str(error)
            if error.errno == errno.ENOSPC:
                reason = "the disk is full"
            failure = OSError(f"could not save {path}: {reason}")
            failure.errno = error.errno
            raise failure from None
        except BaseException:
            _remove_quietly(temporary)
            raise
        _fsync_folder(folder)


def _remove_quietly(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


def write_json(path: str, value, default: Optional[Callable] = None) -> None:
    """`atomic_write` of ``value`` as indented JSON."""

    def write(temporary):
        with open(temporary, "w") as handle:
            json.dump(value, handle, indent=2, default=default)
            handle.write("\n")

    atomic_write(path, write)


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class RunFolderInUse(OSError):
    """Another process holds the run folder's lock."""


def _run_dir_setting() -> str:
    from keras_classics.training import spelling  # on use: the lock alone needs no settings

    return spelling.setting("run_dir")


class RunFolderLock:
    """``fcntl.flock`` on ``<folder>/.lock``, taken without waiting.

    The lock file holds the owner's process id and host, for the message a
    second run gets. The file stays when the lock is released: removing it
    could let two processes lock two different files of the same name.
    ``what``, ``holder`` and ``hint`` word that message for the command that
    locks (a training run by default; the lab locks its experiment folders).
    """

    def __init__(
        self,
        folder: str,
        *,
        what: str = "run folder",
        holder: str = "another training run",
        hint: Optional[str] = None,
    ):
        self.folder = os.fspath(folder)
        self.what = what
        self.holder = holder
        # A training run's hint names the run-folder setting as its caller spells it.
        self.hint = (
            hint if hint is not None else f"wait for it to finish or stop it, or choose another {_run_dir_setting()}"
        )
        self.path = os.path.join(self.folder, LOCK_FILE)
        self._handle: Optional[int] = None

    def acquire(self) -> None:
        import fcntl

        handle = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = self._owner(handle)
            os.close(handle)
            raise RunFolderInUse(
                f"{self.what} {self.folder!r} is in use by {self.holder} ({owner}); {self.hint}"
            ) from None
        except OSError:
            os.close(handle)
            raise
        os.ftruncate(handle, 0)
        os.write(handle, f"{os.getpid()} {socket.gethostname()}\n".encode())
        self._handle = handle

    @staticmethod
    def _owner(handle: int) -> str:
        try:
            text = os.pread(handle, 200, 0).decode(errors="replace").split()
        except OSError:
            text = []
        if len(text) >= 2:
            return f"process {text[0]} on {text[1]}"
        return "a process that is just starting"

    def release(self) -> None:
        if self._handle is not None:
            os.close(self._handle)  # closing the descriptor drops the flock
            self._handle = None

    def __enter__(self) -> "RunFolderLock":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
