"""ASGI entry point for uvicorn workers: ``uvicorn service.asgi:app``."""

from service.core import files
from service.core.config import get_settings
from service.core.logs import configure
from service.main import create_app

files.restrict_umask()  # also when started as `uvicorn service.asgi:app`, not by `onboard`
configure(get_settings().log_level)
app = create_app()
