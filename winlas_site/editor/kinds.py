"""The kinds of page the editor edits, who may edit each, and how.

One ``Kind`` per row type: its name (the revision kind and the endpoint prefix: ``news`` gives
``editor.news_edit``), its address under /redaktion/, the model and form, the roles that may
edit it (admin may always; the access table in ``access.py`` says the same per endpoint) and
the public page of a row, if it has one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from ..content import Publishable
from ..courses.models import Course
from ..customer.models import CustomerResource
from ..news.models import Article
from ..privacy.models import SubProcessor
from ..products.models import Product
from .forms import (
    ArticleForm,
    CourseForm,
    CustomerResourceForm,
    PageForm,
    ProductForm,
    SubProcessorForm,
)


def _rename_product(old: str, new: str) -> None:
    """Courses and customer pages name their product by slug: follow the product."""
    Course.update(product_slug=new).where(Course.product_slug == old).execute()
    CustomerResource.update(product_slug=new).where(CustomerResource.product_slug == old).execute()


def _nothing(old: str, new: str) -> None:
    return None


@dataclass(frozen=True)
class Kind:
    name: str
    segment: str  # the address: /redaktion/<segment>/
    model: type[Publishable]
    form: type[PageForm]
    roles: tuple[str, ...]
    label: Any  # a lazy string: "Nyheter"
    title_field: str  # the field that names a row in lists ("title_sv", "name")
    public_endpoint: str | None  # the public detail view (with ``slug``), or None
    slugged: bool = True
    public_list: str | None = None  # the public list the row appears in
    on_rename: Callable[[str, str], None] = field(default=_nothing)

    @property
    def fields(self) -> tuple[str, ...]:
        """What a revision records: the form's fields, the slug and the publishing time."""
        extra = ("slug", "publish_at") if self.slugged else ("publish_at",)
        return self.form.model_fields() + extra

    def title_of(self, row) -> str:
        return getattr(row, self.title_field)

    def ordered(self):
        """Every row, most recently changed first."""
        model = self.model
        return model.select().order_by(model.updated_at.desc(), model.id.desc())

    def endpoint(self, view: str) -> str:
        return f"editor.{self.name}_{view}"


MARKETING = ("marketer",)
STAFF = ("staff",)
ADMIN = ("admin",)

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            "news",
            "nyheter",
            Article,
            ArticleForm,
            MARKETING,
            _l("Nyheter"),
            "title_sv",
            "news.detail",
            public_list="news.index",
        ),
        Kind(
            "product",
            "produkter",
            Product,
            ProductForm,
            MARKETING,
            _l("Produktsidor"),
            "name",
            "products.detail",
            public_list="products.index",
            on_rename=_rename_product,
        ),
        Kind(
            "course",
            "utbildningar",
            Course,
            CourseForm,
            MARKETING,
            _l("Kurssidor"),
            "title_sv",
            "courses.detail",
            public_list="courses.index",
        ),
        Kind(
            "customer",
            "kundsidor",
            CustomerResource,
            CustomerResourceForm,
            STAFF,
            _l("Kundsidor"),
            "title_sv",
            "customer.detail",
            public_list="customer.index",
        ),
        Kind(
            "subprocessor",
            "underbitraden",
            SubProcessor,
            SubProcessorForm,
            ADMIN,
            _l("Underbiträden"),
            "name",
            None,
            slugged=False,
            public_list="privacy.subprocessors",
        ),
    )
}

VIEWS = ("list", "new", "edit", "preview", "history", "restore", "publish", "unpublish")
