"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

from cchc_web import create_app

app = create_app()
