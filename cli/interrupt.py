"""Stop a long command cleanly on Ctrl-C (SIGINT) or SIGTERM.

Python's default turns Ctrl-C into ``KeyboardInterrupt`` wherever the main
thread happens to be, and SIGTERM kills the process outright: in the middle
of writing a block, the output then ends with half a line and the counts
are wrong. :class:`StopSignals` raises :class:`Interrupted` instead, but
never inside a :meth:`StopSignals.deferred` section (writing a block and
counting it); a signal that arrives there is raised when the section ends.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType, TracebackType
from typing import Any

_HANDLED = (signal.SIGINT, signal.SIGTERM)


class Interrupted(BaseException):
    """The user (Ctrl-C) or the system (SIGTERM) asked the command to stop.

    A ``BaseException``, like ``KeyboardInterrupt``: code that handles
    ``Exception`` (a bad record becomes an error record) must not swallow it.
    """

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(signal.Signals(signum).name)

    @property
    def exit_code(self) -> int:
        """The shell's convention: 128 + the signal number (130 for SIGINT, 143 for SIGTERM)."""
        return 128 + self.signum


class StopSignals:
    """While active, SIGINT and SIGTERM raise :class:`Interrupted` (once).

    Only the main thread can install handlers; elsewhere (a test runner's
    thread) this does nothing and the defaults stay.
    """

    def __init__(self) -> None:
        self._old: dict[int, Any] = {}
        self._deferring = 0
        self._pending: int | None = None
        self._fired = False

    def __enter__(self) -> StopSignals:
        if threading.current_thread() is threading.main_thread():
            for sig in _HANDLED:
                self._old[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)
        self._old.clear()

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if self._fired:
            return  # already stopping: a second Ctrl-C must not cut the clean-up short
        if self._deferring:
            self._pending = signum
            return
        self._fired = True
        raise Interrupted(signum)

    def ignore(self) -> None:
        """From now on, signals are ignored (the work is done; only finishing is left)."""
        self._fired = True

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        """A section a signal must not cut in half; it is raised when the section ends."""
        self._deferring += 1
        try:
            yield
        finally:
            self._deferring -= 1
        if not self._deferring and self._pending is not None and not self._fired:
            signum, self._pending = self._pending, None
            self._fired = True
            raise Interrupted(signum)
