"""What gunicorn serves: ``gunicorn wsgi:app``."""

import atexit
import gc

from winlas_site import create_app

app = create_app()
# Everything built so far (modules, the app, its catalogues, parsers and caches) lives as long as
# the process: frozen, the garbage collector stops walking those objects on every collection,
# which had cost the collect endpoint and the pages a share of each request. Unfrozen at exit:
# chDB's teardown crashed on objects left frozen (seen in the writer process).
gc.freeze()
atexit.register(gc.unfreeze)
