"""The first schema: organisations, users, sessions and the site content.

Frozen copies of the models as they were; timestamps default in Python, not in the schema.
"""

from peewee import *  # noqa: F403


def up(migrator, db):
    class Article(Model):
        slug = CharField(unique=True, max_length=80)
        kind = CharField(max_length=10, default="news")
        published = DateField(index=True)
        title_sv = CharField(max_length=200)
        title_en = CharField(max_length=200, default="")
        summary_sv = TextField()
        summary_en = TextField(default="")
        body_sv = TextField()
        body_en = TextField(default="")

        class Meta:
            database = db
            table_name = "article"

    db.create_tables([Article])

    class Course(Model):
        slug = CharField(unique=True, max_length=80)
        kind = CharField(max_length=10, default="course")
        title_sv = CharField(max_length=200)
        title_en = CharField(max_length=200, default="")
        summary_sv = TextField()
        summary_en = TextField(default="")
        body_sv = TextField()
        body_en = TextField(default="")
        audience_sv = TextField(default="")
        audience_en = TextField(default="")
        price_sek = IntegerField(default=0)
        product_slug = CharField(null=True, max_length=80)

        class Meta:
            database = db
            table_name = "course"

    db.create_tables([Course])

    class CourseSession(Model):
        course = ForeignKeyField(Course, on_delete="CASCADE")
        starts_at = DateTimeField()
        ends_at = DateTimeField()
        place_sv = CharField(max_length=200)
        place_en = CharField(max_length=200, default="")
        online = BooleanField(default=False)
        capacity = IntegerField(default=20)

        class Meta:
            database = db
            table_name = "course_session"

    db.create_tables([CourseSession])

    class CustomerResource(Model):
        slug = CharField(unique=True, max_length=80)
        kind = CharField(index=True, max_length=15)
        title_sv = CharField(max_length=200)
        title_en = CharField(max_length=200, default="")
        summary_sv = TextField()
        summary_en = TextField(default="")
        body_sv = TextField()
        body_en = TextField(default="")
        product_slug = CharField(null=True, max_length=80)
        version = CharField(null=True, max_length=20)
        published = DateField()
        duration_minutes = IntegerField(null=True)

        class Meta:
            database = db
            table_name = "customer_resource"

    db.create_tables([CustomerResource])

    class Organisation(Model):
        name = CharField(max_length=200)
        kind = CharField(max_length=20, default="municipality")
        customer_number = CharField(unique=True, null=True, max_length=20)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "organisation"

    db.create_tables([Organisation])

    class Product(Model):
        slug = CharField(unique=True, max_length=80)
        name = CharField(max_length=120)
        summary_sv = TextField()
        summary_en = TextField(default="")
        body_sv = TextField()
        body_en = TextField(default="")
        features_sv = TextField(default="")
        features_en = TextField(default="")
        audience = CharField(max_length=10, default="both")
        position = IntegerField(default=0)

        class Meta:
            database = db
            table_name = "product"

    db.create_tables([Product])

    class SubProcessor(Model):
        name = CharField(max_length=200)
        purpose_sv = TextField()
        purpose_en = TextField(default="")
        location_sv = CharField(max_length=200)
        location_en = CharField(max_length=200, default="")
        safeguard_sv = TextField()
        safeguard_en = TextField(default="")
        position = IntegerField(default=0)

        class Meta:
            database = db
            table_name = "sub_processor"

    db.create_tables([SubProcessor])

    class User(Model):
        email = CharField(unique=True, max_length=254)
        first_name = CharField(max_length=100)
        last_name = CharField(max_length=100)
        work_phone = CharField(max_length=40, default="")
        password_hash = CharField()
        role = CharField(max_length=10, default="customer")
        organisation = ForeignKeyField(Organisation, null=True)
        active = BooleanField(default=True)
        created_at = DateTimeField()

        class Meta:
            database = db
            table_name = "user"

    db.create_tables([User])

    class UserSession(Model):
        token_digest = CharField(unique=True, max_length=64)
        user = ForeignKeyField(User, on_delete="CASCADE")
        remember = BooleanField(default=False)
        created_at = DateTimeField()
        last_seen_at = DateTimeField()

        class Meta:
            database = db
            table_name = "user_session"

    db.create_tables([UserSession])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("user_session"))
    migrator.migrate(migrator.drop_table("user"))
    migrator.migrate(migrator.drop_table("sub_processor"))
    migrator.migrate(migrator.drop_table("product"))
    migrator.migrate(migrator.drop_table("organisation"))
    migrator.migrate(migrator.drop_table("customer_resource"))
    migrator.migrate(migrator.drop_table("course_session"))
    migrator.migrate(migrator.drop_table("course"))
    migrator.migrate(migrator.drop_table("article"))
