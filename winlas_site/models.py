"""Every model of winlas_site, in one list: the migration check and the test setup read it."""

from .auth.models import Organisation, User, UserSession
from .consent.models import ConsentRecord
from .courses.models import Course, CourseSession
from .customer.models import CustomerResource
from .news.models import Article
from .privacy.models import SubProcessor
from .products.models import Product

MODELS = [
    Organisation,
    User,
    UserSession,
    Product,
    Course,
    CourseSession,
    Article,
    CustomerResource,
    SubProcessor,
    ConsentRecord,
]
