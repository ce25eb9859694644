"""`onboard serve` and `onboard worker`: the HTTP API and the webhook deliveries."""

from __future__ import annotations

import argparse
import secrets
import sys

from service.accounts import service as accounts
from service.accounts.models import Role
from service.cli.common import Commands, migrate
from service.core import files
from service.core.config import get_settings
from service.core.db import get_engine, transaction


def register(commands: Commands) -> None:
    serve = commands.add_parser("serve", help="apply migrations and serve the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(func=_serve)
    wk = commands.add_parser("worker", help="deliver webhook events (runs until stopped)")
    wk.add_argument("--once", action="store_true", help="one pass over due work, then exit")
    wk.set_defaults(func=_worker)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from service.core.logs import configure

    settings = get_settings()
    files.restrict_umask()  # inherited by the workers: every file they create is 0600
    files.secure_tree(settings.data_dir)
    settings.token_secret()  # create the secret before workers race for it
    migrate()
    _bootstrap_admin(args.host, args.port)
    configure(settings.log_level)
    uvicorn.run(
        "service.asgi:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_config=None,
        access_log=False,
        # The client address comes from ONBOARD_TRUSTED_PROXIES (service/api/clients.py);
        # uvicorn must not rewrite it from X-Forwarded-For on its own.
        proxy_headers=False,
        # A worker busy importing the app on a loaded host misses uvicorn's default 5 s
        # health check and is killed and restarted, again and again.
        timeout_worker_healthcheck=60,
    )
    return 0


def _bootstrap_admin(host: str, port: int) -> None:
    """On an empty database, create `admin` with a one-time password shown here once."""
    with transaction(get_engine()) as session:
        if accounts.any_user(session=session):
            return
        password = secrets.token_urlsafe(15)
        accounts.create_user(session=session, username="admin", password=password, role=Role.admin)
    url = f"http://{host}:{port}"
    print(
        "\n"
        "  First start: an administrator account was created.\n"
        "    username: admin\n"
        f"    password: {password}\n"
        "  This password is shown only now. Change it with\n"
        "    .venv/bin/onboard users set-password admin\n"
        f"  Open {url}/docs, press 'Authorize' and sign in with these credentials.\n",
        flush=True,
    )


def _worker(args: argparse.Namespace) -> int:
    import signal
    import threading

    from service.core.logs import configure
    from service.webhooks.worker import Worker, WorkerSettings

    files.restrict_umask()
    settings = get_settings()
    configure(settings.log_level)
    migrate()
    worker = Worker(
        get_engine(),
        WorkerSettings(
            max_attempts=settings.webhook_max_attempts,
            backoff_seconds=settings.webhook_backoff_seconds,
            lease_seconds=settings.webhook_lease_seconds,
            allow_private_targets=settings.webhook_allow_private_targets,
        ),
    )
    if args.once:
        worker.fan_out()
        worker.deliver_due()
        return 0
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    print("webhook worker running; Ctrl+C stops it", file=sys.stderr, flush=True)
    worker.run(stop)
    return 0
