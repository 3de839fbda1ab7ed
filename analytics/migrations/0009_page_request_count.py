"""The count of page requests per UTC day and path (issue 16): every visitor's requests for
public pages, with no cookie, identifier, address or user agent, for the share of page views
the consent-gated statistics measure. Nothing was counted before this: the dashboard compares
only the days from the first counted one."""

from peewee import *  # noqa: F403


def up(migrator, db):
    class PageRequestCount(Model):
        day = DateField()
        path = CharField(max_length=512)
        count = BigIntegerField(default=0)

        class Meta:
            database = db
            table_name = "page_request_count"
            indexes = ((("day", "path"), True),)

    db.create_tables([PageRequestCount])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("page_request_count"))
