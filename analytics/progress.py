"""A progress bar for long commands, and nothing at all where nobody watches.

A command that takes minutes (``analytics generate``, ``rollup``, ``profiles --rebuild``,
``replay``, ``retention run``) shows on a terminal how far it is: a bar with the count, the rate
and the time left (click's progress bar, no new dependency). On stderr, so stdout keeps only
the command's result. ``--quiet``, or an output that is not a terminal (cron, a pipe, a log
file, the test runner), gets no bar and no escape codes: the log and any JSON stay clean.
``--progress`` forces the bar where the terminal test would say no (a terminal multiplexer
that hides itself, or a test).

The work itself lives in functions that take an optional ``progress(done, total)`` callback
and know nothing of terminals; ``bar`` hands them one.
"""

from __future__ import annotations

import contextlib
import functools
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any, TextIO, TypeVar, cast

import click

Progress = Callable[[int, int], None]
_Command = TypeVar("_Command", bound=Callable[..., Any])


def _none(done: int, total: int) -> None:
    """The callback when no bar is shown: costs one call per report."""


class _Terminal:
    """The stream click writes the bar to, saying it is a terminal (for ``--progress``)."""

    def __init__(self, stream: TextIO):
        self.stream = stream

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()


def options(command: _Command) -> _Command:
    """``--quiet`` and ``--progress`` for a command that uses ``bar``."""
    command = click.option(
        "--progress",
        "force_progress",
        is_flag=True,
        help="Show the progress bar even when the output is not a terminal.",
    )(command)
    return click.option("--quiet", "-q", is_flag=True, help="No progress bar, only the result.")(
        command
    )


def wanted(quiet: bool = False, force: bool = False, stream: TextIO | None = None) -> bool:
    """Whether to draw a bar: never when quiet, else when forced or stderr is a terminal."""
    if quiet:
        return False
    if force:
        return True
    stream = stream or sys.stderr
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # a closed or odd stream
        return False


@contextlib.contextmanager
def bar(label: str, unit: str, *, quiet: bool = False, force: bool = False) -> Iterator[Progress]:
    """``progress(done, total)`` drawing a bar on stderr, or a callback that does nothing.

    The total may change between calls (a count known only once the work has started)."""
    stream = sys.stderr
    if not wanted(quiet, force, stream):
        yield _none
        return
    started = time.monotonic()

    def rate(_item: object) -> str:
        elapsed = time.monotonic() - started
        return f"{shown.pos / elapsed:,.0f} {unit}/s" if elapsed > 0 and shown.pos else ""

    shown = click.progressbar(
        length=1,
        label=label,
        show_pos=True,
        show_percent=True,
        show_eta=True,
        item_show_func=rate,
        # click only writes to it and asks isatty(): a stand-in that says yes
        file=cast(TextIO, _Terminal(stream)) if force else stream,
        width=24,
    )
    with shown:

        def report(done: int, total: int) -> None:
            shown.length = max(total, done, 1)
            if done > shown.pos:
                shown.update(done - shown.pos)

        yield report


def with_bar(label: str, unit: str) -> Callable[[Callable[..., str | None]], Callable[..., None]]:
    """Decorator for a click command: adds ``--quiet``/``--progress``, passes ``progress`` (a
    callback from ``bar``) in their place, and prints the text the command returns once the
    bar is gone (a result written under a live bar would share its line)."""

    def decorate(function: Callable[..., str | None]) -> Callable[..., None]:
        @functools.wraps(function)
        def command(*args: Any, quiet: bool, force_progress: bool, **kwargs: Any) -> None:
            with bar(label, unit, quiet=quiet, force=force_progress) as progress:
                result = function(*args, progress=progress, **kwargs)
            if result:
                click.echo(result)

        return options(command)

    return decorate
