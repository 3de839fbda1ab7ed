"""What gunicorn serves: ``gunicorn wsgi:app``."""

from winlas_site import create_app

app = create_app()
