"""Telling people from machines among newsletter opens and clicks.

Mail-privacy proxies fetch every image of every message whether anyone reads it (Apple Mail
Privacy Protection, Google's and Yahoo's image proxies), and security scanners fetch every link
before the recipient sees the message. Their events are stored but marked ``is_machine`` and not
counted as people.
"""

from __future__ import annotations

import ipaddress
import re

from analytics import is_bot

# proxies and scanners that present themselves; crawlers, scripts and empty agents are caught by
# the analytics bot check.
MACHINE_AGENTS = re.compile(
    r"GoogleImageProxy|ggpht\.com|YahooMailProxy|Barracuda|Mimecast|Proofpoint|"
    r"MessageLabs|Symantec|Forcepoint|IronPort|Cisco|Trend ?Micro|SafeLinks|ZScaler|"
    r"Sophos|Fortinet|FortiGuard|Agari|Cloudmark|SpamAssassin|scanner|preview",
    re.IGNORECASE,
)
# Apple Mail Privacy Protection fetches with a bare "Mozilla/5.0" from Apple's network.
APPLE_PROXY_AGENT = "Mozilla/5.0"
APPLE_NETWORK = ipaddress.ip_network("17.0.0.0/8")
# nobody reads a message and clicks within this many seconds of it being sent.
INSTANT_SECONDS = 2


def is_machine(method: str, user_agent: str, remote_addr: str, seconds_since_sent: float) -> bool:
    """Whether an open or click came from a proxy, a scanner or a script rather than a person."""
    if method == "HEAD" or seconds_since_sent < INSTANT_SECONDS:
        return True
    agent = user_agent.strip()
    if agent == APPLE_PROXY_AGENT or MACHINE_AGENTS.search(agent) or is_bot(agent):
        return True
    try:
        return ipaddress.ip_address(remote_addr) in APPLE_NETWORK
    except ValueError:
        return False
