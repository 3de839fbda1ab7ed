"""Customer accounts: email confirmation, registration requests and last activity on ``user``.

Users that exist before this migration were created by staff or the demo loader: they count as
confirmed from their creation, so nobody is locked out by the upgrade.
"""

from peewee import *  # noqa: F403


def up(migrator, db):
    class User(Model):
        created_at = DateTimeField()
        email_confirmed_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "user"

    migrator.migrate(
        migrator.add_column("user", "email_confirmed_at", DateTimeField(null=True)),
        migrator.add_column(
            "user", "requested_organisation", CharField(max_length=200, default="")
        ),
        migrator.add_column("user", "last_active_at", DateTimeField(null=True)),
        migrator.add_index("user", ("last_active_at",), False),
    )
    User.update(email_confirmed_at=User.created_at).execute()


def down(migrator, db):
    migrator.migrate(
        migrator.drop_index("user", "user_last_active_at"),
        migrator.drop_column("user", "last_active_at"),
        migrator.drop_column("user", "requested_organisation"),
        migrator.drop_column("user", "email_confirmed_at"),
    )
