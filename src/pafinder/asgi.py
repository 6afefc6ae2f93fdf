"""ASGI entry point for multi-worker serving: ``pafinder serve --workers N`` runs
``uvicorn pafinder.asgi:app`` with the proxy options from PAFINDER_TRUSTED_PROXIES.

Running uvicorn by hand, pass the same yourself: ``--no-proxy-headers`` when no proxy is in
front, or ``--forwarded-allow-ips`` with the proxy's addresses. (uvicorn's own default believes
X-Forwarded-For from 127.0.0.1, which is any local process.)
"""

from pafinder.app import create_app

app = create_app()
