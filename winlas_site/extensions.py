"""Flask extensions, created unbound here and initialised by the factory."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
# REMOTE_ADDR is already the real client: TrustedProxies rewrites it only for configured proxies.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
