"""What the task consumer runs: ``huey_consumer winlas_site.worker.huey -w 2 -k thread``.

The queue itself lives in ``queue.py`` and imports no feature; this module imports every module
that defines tasks, so that the consumer registers them all before it takes the first one. A
new task module is added here (a test compares this list with the modules that use the queue).
"""

from __future__ import annotations

from . import analytics_tasks, create_app, retention
from .auth import tasks as auth_tasks
from .courses import reminders as course_reminders
from .crm import tasks as crm_tasks
from .digest import tasks as digest_tasks
from .mail import service as mail_service
from .mail import tasks as mail_tasks
from .newsletter import mailing as newsletter_mailing
from .queue import huey, use_app_factory

TASK_MODULES = (
    analytics_tasks,
    retention,
    auth_tasks,
    course_reminders,
    crm_tasks,
    digest_tasks,
    mail_service,
    mail_tasks,
    newsletter_mailing,
)

use_app_factory(create_app)

__all__ = ["TASK_MODULES", "huey"]
