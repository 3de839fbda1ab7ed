"""Every model of winlas_site, in one list: the migration check and the test setup read it.
Beside it, every feature's provider of a person's data rights (``rights.py``): the inventory
fails when a model with personal data has none."""

from . import analytics_personal_data
from .account import personal_data as account_personal_data
from .account.models import ACCOUNT_MODELS
from .auth import personal_data as auth_personal_data
from .auth.models import Organisation, User, UserSession
from .consent import personal_data as consent_personal_data
from .consent.models import ConsentRecord
from .content import Revision, SlugRedirect
from .courses import personal_data as courses_personal_data
from .courses.models import Course, CourseSession, Registration, RegistrationSeminar, SeminarSlot
from .customer.models import CustomerResource
from .digest import personal_data as digest_personal_data
from .digest.models import DigestSubscription
from .editor import personal_data as editor_personal_data
from .leads import personal_data as leads_personal_data
from .leads.models import Contact, Lead, LeadEvent, LeadNote
from .mail import personal_data as mail_personal_data
from .mail.models import OutboxMessage
from .media import personal_data as media_personal_data
from .media.models import Image
from .news.models import Article
from .newsletter import personal_data as newsletter_personal_data
from .newsletter.models import MailEvent, NewsletterIssue, NewsletterLink, Preference, Subscription
from .privacy.models import SubProcessor
from .products.models import CustomerQuote, Product  # CustomerQuote: issue 17, products
from .rights import Provider
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
    # -- publishing models --
    Revision,
    SlugRedirect,
    # -- media models --
    Image,
    # -- course administration models --
    # -- crm models --
    LeadEvent,
    # -- weekly digest models --
    DigestSubscription,
    # -- issue 17: products --
    CustomerQuote,
]

# one per feature holding personal data; ``account/data.py`` asks every one of them (their
# erasures run in ``Provider.order``, the export's sections stand in ``data.SECTIONS`` order)
PROVIDERS: tuple[Provider, ...] = (
    auth_personal_data.PROVIDER,
    account_personal_data.PROVIDER,
    leads_personal_data.PROVIDER,
    courses_personal_data.PROVIDER,
    newsletter_personal_data.PROVIDER,
    consent_personal_data.PROVIDER,
    mail_personal_data.PROVIDER,
    editor_personal_data.PROVIDER,
    media_personal_data.PROVIDER,
    digest_personal_data.PROVIDER,
    analytics_personal_data.PROVIDER,
)
