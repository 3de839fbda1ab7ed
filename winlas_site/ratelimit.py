"""A per-client request limit that is counted in this process and shared in steps.

The collect endpoint is the site's hottest path: a Redis round trip per request (the shared
store of Flask-Limiter in production, about 120 µs on loopback) cost more than everything else
the request does. So each process counts a client's requests itself and adds them to the shared
store only every ``step`` requests (and at a client's first request of a window): the store
still sees every request, only later, and every process reads the shared total back at each
step. A client spread over W worker processes can overshoot the limit by at most W × step
requests per window; a limit of 100 or less is shared at every request (step 1), as before.
"""

from __future__ import annotations

import threading
import time

from limits import RateLimitItem
from limits.storage import Storage
from limits.strategies import FixedWindowRateLimiter

MAX_STEP = 10
# forget the counts of past windows once this many clients are held (memory stays bounded)
MAX_CLIENTS = 10_000


class SteppedLimit:
    """``hit(client)``: whether this request is within ``limit`` (a fixed window)."""

    def __init__(self, storage: Storage, limit: RateLimitItem, namespace: str):
        self.window = FixedWindowRateLimiter(storage)
        self.limit = limit
        self.namespace = namespace
        self.step = max(1, min(MAX_STEP, limit.amount // 10))
        self.seconds = limit.get_expiry()
        # client -> [window number, requests not yet shared, requests in this window here,
        # whether the shared total was within the limit at the last step]
        self.clients: dict[str, list[int]] = {}
        self.lock = threading.Lock()

    def hit(self, client: str) -> bool:
        window = int(time.time() // self.seconds)
        with self.lock:
            state = self.clients.get(client)
            if state is None or state[0] != window:
                if len(self.clients) >= MAX_CLIENTS:
                    self.clients = {k: v for k, v in self.clients.items() if v[0] == window}
                state = self.clients[client] = [window, 0, 0, 1]
            state[1] += 1
            state[2] += 1
            # the first request of a window, and every step-th, goes to the shared store
            share = state[1] if state[2] == 1 or state[1] >= self.step else 0
            if share:
                state[1] = 0
            within = state[3] == 1 and state[2] <= self.limit.amount
        if not share:
            return within
        shared = self.window.hit(self.limit, self.namespace, client, cost=share)
        with self.lock:
            state[3] = 1 if shared else 0
        return shared and state[2] <= self.limit.amount
