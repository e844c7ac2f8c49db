"""ASGI entry for ``uvicorn --factory ktpe_server.asgi:app_from_env`` (settings from env)."""

from __future__ import annotations

from fastapi import FastAPI

from ktpe_server.app import create_app
from ktpe_server.config import Settings


def app_from_env() -> FastAPI:
    """The app for ``$KTPE_SERVER_DB`` (migrations are run by ``serve`` beforehand)."""
    return create_app(Settings.from_env(), migrate=False)
