"""From campaign to customer: which visits led to a lead or sign-up (``touches``), and the
report of leads, qualified and won per campaign, source and landing page at /dashboard/kunder/
(``report``, ``views``). The site keeps the touches with its leads; this package finds them
while the raw visits exist and reports on what the site hands back (``Host.site_leads``)."""

from .views import bp

__all__ = ["bp"]
