"""The weekly digest: a Monday-morning email with last week's figures for marketers and admins.

They turn it on in Mitt konto; every Monday at 07:00 Swedish time the queue mails each of them
the week's key figures against the week before, the biggest movers among pages, sources and
campaigns, and the new leads (``analytics.weekly_figures``), through the outbox, in the
language they chose, with a signed link that turns it off without logging in.
"""
