"""ASGI entry point for multi-worker serving: ``uvicorn pafinder.asgi:app``."""

from pafinder.app import create_app

app = create_app()
