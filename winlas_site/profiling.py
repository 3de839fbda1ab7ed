"""What the analytics package needs to know about people, and the objection to profiling.

Placeholder until interest profiles land: nobody is profiled.
"""

from __future__ import annotations

from flask import Request


def allows_profiling(req: Request) -> bool:
    """Marketing consent and no objection (P17, P19)."""
    return False


class People:
    """Names and organisations behind user ids, for the profile views."""


people = People()
