"""The site's one task queue (huey): email delivery and the periodic jobs of every feature.

The queue is chosen from the environment when this module is imported, before any app exists,
because the consumer process imports it on its own (``huey_consumer winlas_site.worker.huey``;
``worker`` imports every module that defines tasks, so that the consumer knows them all):

- ``REDIS_URL`` set: huey on Redis (several machines share the queue);
- otherwise: huey on SQLite in ``<WINLAS_INSTANCE_PATH or ./instance>/huey.db``;
- immediate mode when ``WINLAS_ENV`` is ``development`` (the default), or whenever
  ``WINLAS_HUEY_IMMEDIATE=1`` (``0`` turns it off, to try a consumer in development): a task
  runs at once, in the caller, on in-memory storage, so ``make run`` needs no consumer. Delayed
  tasks (scheduled retries) and periodic tasks do not run by themselves in this mode;
  ``winlas mail retry-due`` does what the periodic job would.

Tasks run inside an app context. Called during a request or a CLI command (immediate mode) they
use the current app; in a consumer process the app is created once, on the first task, with
``create_app()`` and the same environment as the web processes. Define tasks with this module's
``task`` / ``periodic_task`` (not ``huey.task``) so they get that context and a database
connection, and add the module defining them to ``winlas_site/worker.py``.

This module is a leaf: it imports no feature, so any feature can import it at the top.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, current_app, has_app_context
from huey import Huey, RedisHuey, SqliteHuey

from .config import PROJECT_ROOT

F = TypeVar("F", bound=Callable[..., Any])


def make_huey(environ: Mapping[str, str] | None = None) -> Huey:
    """Build the queue the environment asks for (see the module docstring)."""
    environ = os.environ if environ is None else environ
    choice = environ.get("WINLAS_HUEY_IMMEDIATE", "")
    if choice in ("0", "1"):
        immediate = choice == "1"
    else:
        immediate = environ.get("WINLAS_ENV", "development") == "development"
    if environ.get("REDIS_URL"):
        return RedisHuey("winlas", url=environ["REDIS_URL"], immediate=immediate)
    instance = Path(environ.get("WINLAS_INSTANCE_PATH") or PROJECT_ROOT / "instance")
    if not immediate:
        # immediate mode keeps its queue in memory: no file for `make run` or the tests.
        instance.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("winlas", filename=str(instance / "huey.db"), immediate=immediate)


huey = make_huey()

_worker_app: Flask | None = None
_app_factory: Callable[[], Flask] | None = None
_worker_app_lock = threading.Lock()


def use_app_factory(factory: Callable[[], Flask]) -> None:
    """How a consumer process builds its app (``worker.py`` passes ``create_app``).

    Given, not imported: the app factory imports every feature, and features import this
    module, so the queue stays a leaf.
    """
    global _app_factory
    with _worker_app_lock:
        _app_factory = factory


def use_app(app: Flask | None) -> None:
    """Run tasks that start outside an app context in ``app`` (tests; an embedded consumer).

    ``None`` goes back to the default: the factory's app on the first such task.
    """
    global _worker_app
    with _worker_app_lock:
        _worker_app = app


def worker_app() -> Flask:
    """The app of this worker process, created once (thread workers share it)."""
    global _worker_app
    with _worker_app_lock:
        if _worker_app is None:
            if _app_factory is None:
                raise RuntimeError(
                    "a task ran outside an app with no app factory: start the consumer on "
                    "winlas_site.worker.huey, which gives it create_app"
                )
            _worker_app = _app_factory()
        return _worker_app


@contextmanager
def _database_connection(app: Flask) -> Iterator[None]:
    # a task called within a request shares the request's connection (perhaps inside its
    # transaction): close only a connection opened here, which a consumer thread always does.
    database = app.extensions["database"]
    opened = database.is_closed()
    if opened:
        database.connect()
    try:
        yield
    finally:
        if opened and not database.is_closed():
            database.close()


def in_app_context(fn: F) -> F:
    """Run ``fn`` in the current app context, else in the worker's app, with a connection."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if has_app_context():
            with _database_connection(current_app):
                return fn(*args, **kwargs)
        app = worker_app()
        with app.app_context(), _database_connection(app):
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def task(**options: Any) -> Callable[[Callable[..., Any]], Any]:
    """``huey.task`` for functions that need the app and the database."""

    def decorator(fn: Callable[..., Any]) -> Any:
        return huey.task(**options)(in_app_context(fn))

    return decorator


def periodic_task(validate_datetime: Callable[..., bool], **options: Any) -> Any:
    """``huey.periodic_task`` for functions that need the app and the database."""

    def decorator(fn: Callable[..., Any]) -> Any:
        return huey.periodic_task(validate_datetime, **options)(in_app_context(fn))

    return decorator
