"""The editor's part of a person's data rights (P12, P14): the page revisions a member of staff
saved. The pages themselves are the company's; only the "who" of their history is the
person's."""

from __future__ import annotations

from ..content import Revision
from ..rights import Counts, Person, Provider, Section, row


def _written(person: Person):
    return Revision.select().where(Revision.author_id == person.user.id).order_by(Revision.id)


def export(person: Person) -> Section:
    revisions = []
    if person.user is not None:
        revisions = [
            row(revision, ("kind", "object_id", "action", "created_at", "author_name"))
            for revision in _written(person)
        ]
    return {"page_revisions": revisions}


def erase(person: Person) -> Counts:
    """The revisions stay (the site's history), without their author."""
    if person.user is None:
        return {"page_revisions": 0}
    changed = (
        Revision.update(author_id=None, author_name="")
        .where(Revision.author_id == person.user.id)
        .execute()
    )
    return {"page_revisions": changed}


PROVIDER = Provider(
    feature="editor",
    sections={"revision": "page_revisions"},
    export=export,
    erase=erase,
    # before the account (the last), like the newsletter issues' authors
    order=32,
)
