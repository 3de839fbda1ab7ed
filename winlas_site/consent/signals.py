"""What the consent gate tells the features that keep data under a consent.

The gate is asked by every feature, so it must not import them: when a choice changes, it
sends ``consent_changed`` and the features that hold data under a category listen (profiling
deletes the interest profile when marketing is withdrawn). Flask's own signals work this way.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: sent by the banner's POST after the new choice is stored, with ``before`` (the categories
#: allowed until now), ``after`` (the new ``Consent``), ``user`` (the logged-in user or None)
#: and ``request``; the sender is the app.
consent_changed = _signals.signal("consent-changed")
