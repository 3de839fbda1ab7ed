"""The newsletter: subscriptions, preferences, issues with their links, and mail events."""

import datetime

from peewee import *  # noqa: F403


def up(migrator, db):
    class User(Model):
        class Meta:
            database = db
            table_name = "user"

    class Contact(Model):
        class Meta:
            database = db
            table_name = "contact"

    class Subscription(Model):
        email = CharField(max_length=254, unique=True)
        contact = ForeignKeyField(Contact, null=True, on_delete="CASCADE")
        status = CharField(max_length=12, default="pending", index=True)
        source = CharField(max_length=200, default="")
        consent_text_version = CharField(max_length=20, default="")
        language = CharField(max_length=5, default="sv")
        created_at = DateTimeField(default=datetime.datetime.utcnow)
        requested_at = DateTimeField(default=datetime.datetime.utcnow)
        confirmed_at = DateTimeField(null=True)
        unsubscribed_at = DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "subscription"

    class Preference(Model):
        email = CharField(max_length=254, unique=True)
        newsletter = BooleanField(default=False)
        profiling_objection = BooleanField(default=False)
        objected_at = DateTimeField(null=True)
        email_tracking_consent = BooleanField(default=False)
        tracking_consent_at = DateTimeField(null=True)
        tracking_consent_version = CharField(max_length=20, default="")
        updated_at = DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            database = db
            table_name = "preference"

    class NewsletterIssue(Model):
        subject = CharField(max_length=200)
        body = TextField()
        created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
        created_at = DateTimeField(default=datetime.datetime.utcnow)
        sent_at = DateTimeField(null=True)
        recipient_count = IntegerField(default=0)
        tracked_count = IntegerField(default=0)

        class Meta:
            database = db
            table_name = "newsletter_issue"

    class NewsletterLink(Model):
        issue = ForeignKeyField(NewsletterIssue, on_delete="CASCADE")
        position = IntegerField(default=0)
        label = CharField(max_length=200)
        url = CharField(max_length=2000)

        class Meta:
            database = db
            table_name = "newsletter_link"

    class MailEvent(Model):
        issue = ForeignKeyField(NewsletterIssue, on_delete="CASCADE")
        subscription = ForeignKeyField(Subscription, on_delete="CASCADE")
        kind = CharField(max_length=5)
        link = ForeignKeyField(NewsletterLink, null=True, on_delete="CASCADE")
        at = DateTimeField(default=datetime.datetime.utcnow)
        is_machine = BooleanField(default=False)

        class Meta:
            database = db
            table_name = "mail_event"

    db.create_tables([Subscription, Preference, NewsletterIssue, NewsletterLink, MailEvent])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("mail_event"))
    migrator.migrate(migrator.drop_table("newsletter_link"))
    migrator.migrate(migrator.drop_table("newsletter_issue"))
    migrator.migrate(migrator.drop_table("preference"))
    migrator.migrate(migrator.drop_table("subscription"))
