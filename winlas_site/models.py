"""Every model of winlas_site, in one list: the migration check and the test setup read it."""

from .account.models import ACCOUNT_MODELS
from .auth.models import Organisation, User, UserSession
from .consent.models import ConsentRecord
from .courses.models import Course, CourseSession, Registration, RegistrationSeminar, SeminarSlot
from .customer.models import CustomerResource
from .leads.models import Contact, Lead, LeadNote
from .mail.models import OutboxMessage
from .news.models import Article
from .newsletter.models import MailEvent, NewsletterIssue, NewsletterLink, Preference, Subscription
from .privacy.models import SubProcessor
from .products.models import Product
from .spam import FormToken

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
    Contact,
    Lead,
    LeadNote,
    SeminarSlot,
    Registration,
    RegistrationSeminar,
    OutboxMessage,
    Subscription,
    Preference,
    NewsletterIssue,
    NewsletterLink,
    MailEvent,
    FormToken,
    *ACCOUNT_MODELS,
]
