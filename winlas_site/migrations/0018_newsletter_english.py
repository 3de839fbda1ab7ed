"""The English edition of a newsletter issue (issue 17).

``newsletter_issue.subject_en`` / ``body_en``: optional; a subscriber whose language is English
gets them when both are written, everyone else (and English subscribers of an issue without
them) the Swedish ``subject`` / ``body``. Existing issues get '' (no English edition).
"""

from peewee import *  # noqa: F403

TABLE = "newsletter_issue"


def up(migrator, db):
    migrator.migrate(
        migrator.add_column(TABLE, "subject_en", CharField(max_length=200, default="")),  # noqa: F405
        migrator.add_column(TABLE, "body_en", TextField(default="")),  # noqa: F405
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column(TABLE, "body_en"),
        migrator.drop_column(TABLE, "subject_en"),
    )
