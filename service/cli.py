"""The `onboard` command."""

from __future__ import annotations

import argparse
import getpass
import os
import secrets
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from service.accounts import service as accounts
from service.accounts.models import ApiKey, Role, Scope, User, lookup_form
from service.core import files
from service.core.config import Settings, SettingsError, get_settings
from service.core.db import get_engine, transaction
from service.core.errors import OnboardError


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except SettingsError as exc:
        print(f"onboard: {exc}", file=sys.stderr)
        return 2
    except OnboardError as exc:
        print(f"onboard: {exc.detail}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="onboard", description="Onboard service administration")
    sub = p.add_subparsers()

    serve = sub.add_parser("serve", help="apply migrations and serve the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(func=_serve)

    db = sub.add_parser("db", help="database maintenance").add_subparsers()
    db.add_parser("upgrade", help="apply migrations").set_defaults(func=_db_upgrade)
    st = sub.add_parser("stats", help="statistics roll-up").add_subparsers()
    st.add_parser(
        "fold", help="add cards created up to 10 s ago to the daily roll-up (the API does it too)"
    ).set_defaults(func=_stats_fold)
    st.add_parser(
        "rebuild", help="compute the monthly and outcome roll-ups from every card again"
    ).set_defaults(func=_stats_rebuild)

    users = sub.add_parser("users", help="accounts").add_subparsers()
    uc = users.add_parser("create", help="create an account")
    uc.add_argument("username")
    uc.add_argument("--role", required=True, choices=[r.value for r in Role])
    uc.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    uc.set_defaults(func=_users_create)
    up = users.add_parser("set-password", help="set an account's password")
    up.add_argument("username")
    up.add_argument("--password-stdin", action="store_true")
    up.set_defaults(func=_users_set_password)
    users.add_parser("list", help="list accounts").set_defaults(func=_users_list)

    keys = sub.add_parser("api-keys", help="API keys for integrators and the bot").add_subparsers()
    kc = keys.add_parser("create", help="create a key; prints only the key")
    kc.add_argument("name")
    kc.add_argument("--scope", action="append", required=True, choices=[s.value for s in Scope])
    kc.set_defaults(func=_keys_create)
    keys.add_parser("list", help="list keys (no secrets)").set_defaults(func=_keys_list)
    kr = keys.add_parser("revoke", help="revoke a key by id or prefix")
    kr.add_argument("key")
    kr.set_defaults(func=_keys_revoke)
    imp = sub.add_parser("import", help="import records").add_subparsers()
    ic = imp.add_parser("cards", help="paper-card archive, CSV (layout: docs/import.md)")
    ic.add_argument("file")
    ic.add_argument("--report", help="CSV of bad rows (default: FILE.report.csv)")
    ic.set_defaults(func=_import_cards)

    sub.add_parser(
        "bot",
        help="run the Telegram bot (as python -m bot); creates its API key on a local setup",
    ).set_defaults(func=_bot)

    wk = sub.add_parser("worker", help="deliver webhook events (runs until stopped)")
    wk.add_argument("--once", action="store_true", help="one pass over due work, then exit")
    wk.set_defaults(func=_worker)

    pk = sub.add_parser("keys", help="proof-signing keys").add_subparsers()
    pk.add_parser("list", help="list keys and their states").set_defaults(func=_keys_list_proof)
    pk.add_parser("rotate", help="new active key; the old one keeps verifying").set_defaults(
        func=_keys_rotate
    )
    pr = pk.add_parser("retire", help="stop trusting a key (now, or --at a later time)")
    pr.add_argument("kid")
    pr.add_argument("--at", help="ISO time to retire at; proofs it signs expire by then")
    pr.set_defaults(func=_keys_retire)

    ver = sub.add_parser("verify", help="verify a proof offline with published trust data")
    ver.add_argument("payload", help="the QR text (MC1:...), or - to read it from stdin")
    ver.add_argument("--jwks", required=True, help="JWKS file or URL (/.well-known/jwks.json)")
    ver.add_argument("--status-list", required=True, help="status list file or URL")
    ver.add_argument(
        "--max-age-hours",
        type=float,
        default=24.0,
        help="refuse a status list older than this (default 24)",
    )
    ver.add_argument("--issuer", help="expected issuer (default: any)")
    ver.add_argument("--now", help="check as of this ISO time instead of now (audits, replays)")
    ver.set_defaults(func=_verify_offline)

    cont = sub.add_parser(
        "content", help="the adaptation course, the guide and the deadline policy"
    ).add_subparsers()
    cc = cont.add_parser(
        "check",
        help="validate the course content and the deadline policy; exit 1 on any problem",
    )
    cc.add_argument("--dir", type=Path, help="content directory (default: the configured one)")
    cc.add_argument(
        "--policy-dir", type=Path, help="deadline policy directory (default: the configured one)"
    )
    cc.set_defaults(func=_content_check)
    return p


def _content_check(args: argparse.Namespace) -> int:
    from service.core import clock
    from service.course import content, glossary

    settings = get_settings()
    path = args.dir if args.dir is not None else settings.content_dir
    course, problems = content.check(path)
    problems += glossary.check(path, args.policy_dir or settings.policy_dir)
    policy_summary = _policy_check(args.policy_dir or settings.policy_dir)
    if problems or course is None:
        for problem in problems:
            print(problem)
        print(f"onboard: {len(problems)} problem(s) in the course content", file=sys.stderr)
        return 1
    if policy_summary is None:
        return 1
    stale = content.stale_facts(course, clock.today())
    if stale:
        for line in stale:
            print(line)
        print(f"onboard: {len(stale)} fact(s) past their own dates", file=sys.stderr)
        return 1
    print(policy_summary)
    for fact in content.facts_due(course, clock.today()):
        print(f"warning: fact {fact.id} was due for review by {fact.review_by}", file=sys.stderr)
    pages = sum(len(t.pages) for m in course.modules for t in m.lessons.values())
    languages = ", ".join(f"{k} ({v})" for k, v in course.languages.items())
    print(
        f"{course.id} version {course.version}: {len(course.modules)} modules "
        f"({pages} lesson pages), {len(course.guide)} guide sections, "
        f"{len(course.facts)} facts; languages: {languages}. No problems found."
    )
    return 0


def _policy_check(directory: Path | None) -> str | None:
    """Load the deadline policy as the service does: its summary, or None after printing what
    is wrong (obligations overdue for review are warned of)."""
    from service.checklist import policy as policies
    from service.core import clock

    try:
        policy = policies.load(directory or policies.DEFAULT_DIR)
    except policies.PolicyError as exc:
        print(exc)
        print("onboard: a problem in the deadline policy", file=sys.stderr)
        return None
    today = clock.today()
    for ob in policy.obligations:
        if ob.review_by < today:
            print(
                f"warning: obligation {ob.id} was due for review by {ob.review_by}",
                file=sys.stderr,
            )
    for group in policy.regimes.groups.values():
        if group.review_by < today:
            print(
                f"warning: citizenship group {group.id} was due for review by {group.review_by}",
                file=sys.stderr,
            )
    years = ", ".join(str(y) for y in sorted(policy.calendar.years))
    pending = ", ".join(
        str(y) for y, t in sorted(policy.calendar.transfers.items()) if not t.entered
    )
    return (
        f"deadline policy version {policy.version}: {len(policy.obligations)} obligations, "
        f"{len(policy.regimes.ids)} regimes, production calendars for {years}"
        + (f" ({pending} not final: working days there are approximate)" if pending else "")
        + ". No problems found."
    )


BOT_KEY_FILE = "bot_api_key"


def _bot(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from bot.__main__ import main as bot_main
    from bot.config import BotSettings
    from bot.config import SettingsError as BotSettingsError

    try:
        bot_settings = BotSettings()
    except (BotSettingsError, ValidationError):
        return bot_main()  # which reports the problem the way `python -m bot` does
    settings = get_settings()
    if settings.bot_webhook_in_api and bot_settings.webhook_mode:
        print(
            "onboard bot: the API serves the bot's webhook (ONBOARD_BOT_WEBHOOK_IN_API); "
            "a second bot is not started",
            file=sys.stderr,
        )
        return 0
    # A local setup needs no key by hand: one is created in the local database and kept in
    # the data dir. Not without a token (the bot refuses to start anyway), nor in production.
    if (
        bot_settings.bot_api_key is None
        and bot_settings.telegram_bot_token is not None
        and settings.env == "development"
    ):
        _migrate()
        os.environ["ONBOARD_BOT_API_KEY"] = ensure_bot_api_key(
            settings=settings, engine=get_engine()
        )
    return bot_main()


def ensure_bot_api_key(*, settings: Settings, engine: Engine) -> str:
    """The bot's API key for a local setup: read from <data dir>/bot_api_key while it still
    authenticates with the bot scope, else created in the database and stored there (0600)."""
    path = settings.data_dir / BOT_KEY_FILE
    stored = path.read_text().strip() if path.is_file() else ""
    with transaction(engine) as session:
        if stored:
            principal = accounts.principal_for_api_key(session=session, key=stored)
            if principal is not None and Scope.bot in principal.scopes:
                return stored
        row, key = accounts.create_api_key(session=session, name="bot", scopes=[Scope.bot])
        # Written before the commit: a key in the file that never reached the database is
        # replaced on the next run, while a committed key is never lost.
        files.write_private(path, key + "\n")
    print(
        f"onboard bot: API key {row.id} (scope bot) created for the bot, kept in {path}",
        file=sys.stderr,
    )
    return key


def _worker(args: argparse.Namespace) -> int:
    import signal
    import threading

    from service.core.logs import configure
    from service.webhooks.worker import Worker, WorkerSettings

    files.restrict_umask()
    settings = get_settings()
    configure(settings.log_level)
    _migrate()
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


def _import_cards(args: argparse.Namespace) -> int:
    from pathlib import Path

    from service.archive import importer

    path = Path(args.file)
    if not path.is_file():
        print(f"onboard: no file {path}", file=sys.stderr)
        return 2
    report = Path(args.report) if args.report else path.with_suffix(".report.csv")
    _migrate()
    tty = sys.stderr.isatty()
    with path.open(encoding="utf-8-sig", errors="replace") as fh:  # for progress only
        total = max(sum(1 for _ in fh) - 1, 1)
    shown = {"last": -1}

    def progress(done: int) -> None:
        percent = min(100, done * 100 // total)
        if tty:
            bar = "#" * (percent // 4)
            print(
                f"\r[{bar:<25}] {percent:3d}%  {done:,}/{total:,} rows",
                end="",
                file=sys.stderr,
                flush=True,
            )
        elif percent // 10 != shown["last"]:
            shown["last"] = percent // 10
            print(f"{done:,}/{total:,} rows ({percent}%)", file=sys.stderr, flush=True)

    try:
        result = importer.import_file(engine=get_engine(), path=path, progress=progress)
    except importer.ImportFileError as exc:
        if tty:
            print(file=sys.stderr)  # end the progress bar's line
        print(f"onboard: {exc}", file=sys.stderr)
        return 2  # docs/import.md: 2 when the file cannot be read
    if tty:
        print(file=sys.stderr)
    importer.write_report(result, report)
    rate = result.rows / result.seconds if result.seconds else 0.0
    print(
        f"{result.rows} rows: {result.imported} imported, {result.already_imported} imported "
        f"before, {len(result.bad)} bad (report: {report}); {rate:,.0f} rows/s"
    )
    return 0 if not result.bad else 1


def _key_store():  # type: ignore[no-untyped-def]
    from service.proofs.keys import KeyStore

    return KeyStore(get_settings().resolved_proof_key_dir)


def _keys_list_proof(args: argparse.Namespace) -> int:
    for key in _key_store().records():
        scheduled = f"\tretire after {key.retire_after.isoformat()}" if key.retire_after else ""
        print(f"{key.kid}\t{key.state}\tcreated {key.created_at}{scheduled}")
    return 0


def _keys_rotate(args: argparse.Namespace) -> int:
    key = _key_store().rotate()
    print(key.kid)
    print(
        "new active key; restart is not needed (servers reload keys within seconds)",
        file=sys.stderr,
    )
    return 0


def _keys_retire(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    at = None
    if args.at:
        try:
            at = datetime.fromisoformat(args.at)
        except ValueError:
            raise OnboardError(
                "--at must be an ISO date-time, e.g. 2027-01-31T00:00:00+00:00"
            ) from None
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
    key = _key_store().retire(args.kid, at=at)
    state = f"retires after {key.retire_after}" if key.state != "retired" else "retired"
    print(f"{key.kid}\t{state}", file=sys.stderr)
    return 0


def _verify_offline(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime, timedelta

    from service.core import clock
    from service.proofs import offline

    payload = sys.stdin.read().strip() if args.payload == "-" else args.payload
    now = clock.now()
    if args.now:
        try:
            now = datetime.fromisoformat(args.now)
        except ValueError:
            raise OnboardError("--now must be an ISO date-time") from None
        now = now if now.tzinfo else now.replace(tzinfo=UTC)
    try:
        jwks_text, _ = offline.load_text(args.jwks)
        status_text, _ = offline.load_text(args.status_list)
        result = offline.verify_offline(
            payload,
            jwks_text=jwks_text,
            status_text=status_text,
            now=now,
            max_age=timedelta(hours=args.max_age_hours),
            issuer=args.issuer,
        )
    except offline.TrustDataError as exc:
        print(f"onboard: {exc}", file=sys.stderr)
        return 3
    print(result.verdict.upper())
    print(f"reason: {result.reason}")
    print(f"trust data age: {result.trust_age.total_seconds() / 3600:.1f} h")
    for name, value in (result.facts.model_dump() if result.facts else {}).items():
        print(f"{name}: {value}")
    return 0 if result.verdict == "valid" else 1


def _migrate() -> None:
    from service.core.migrate import upgrade

    upgrade(get_settings().resolved_database_url)


def _stats_fold(args: argparse.Namespace) -> int:
    from service.checklist import policy as policies
    from service.stats import rollup

    policy = policies.load(get_settings().policy_dir or policies.DEFAULT_DIR)
    with transaction(get_engine()) as session:
        folded = rollup.fold(session=session, policy=policy)
    print(f"{folded} cards added to the statistics roll-up", file=sys.stderr)
    return 0


def _stats_rebuild(args: argparse.Namespace) -> int:
    from service.checklist import policy as policies
    from service.stats import cube, rollup

    policy = policies.load(get_settings().policy_dir or policies.DEFAULT_DIR)
    with transaction(get_engine()) as session:
        rollup.watermark(session, for_update=True)  # the folds' lock
        cards = cube.rebuild(session=session, policy=policy)
    print(f"monthly and outcome roll-ups rebuilt from {cards} cards", file=sys.stderr)
    return 0


def _db_upgrade(args: argparse.Namespace) -> int:
    _migrate()
    print("database is at the latest schema", file=sys.stderr)
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from service.core.logs import configure

    settings = get_settings()
    files.restrict_umask()  # inherited by the workers: every file they create is 0600
    files.secure_tree(settings.data_dir)
    settings.token_secret()  # create the secret before workers race for it
    _migrate()
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
    with Session(get_engine()) as session:
        if session.exec(select(User).limit(1)).first() is not None:
            return
        password = secrets.token_urlsafe(15)
        accounts.create_user(session=session, username="admin", password=password, role=Role.admin)
        session.commit()
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


def _read_password(from_stdin: bool) -> str | None:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    if sys.stdin.isatty():
        first = getpass.getpass("password: ")
        if first != getpass.getpass("again: "):
            raise OnboardError("the passwords differ")
        return first
    return None


def _check_password(password: str) -> None:
    if len(password) < 12:
        raise OnboardError("the password must have at least 12 characters")


def _users_create(args: argparse.Namespace) -> int:
    password = _read_password(args.password_stdin)
    generated = password is None
    if password is None:
        password = secrets.token_urlsafe(15)
    _check_password(password)
    with _session() as session:
        # The API's rule (NFKC, ASCII letters, digits, . _ -), so `Ｏlga` is created as olga.
        username = accounts.create_user(
            session=session, username=args.username, password=password, role=Role(args.role)
        ).username
    if generated:
        print(password)
        print(f"user {username} created; the password above is shown once", file=sys.stderr)
    else:
        print(f"user {username} created", file=sys.stderr)
    return 0


def _users_set_password(args: argparse.Namespace) -> int:
    password = _read_password(args.password_stdin)
    if password is None:
        raise OnboardError("give the password on stdin with --password-stdin")
    _check_password(password)
    from service.core.security.passwords import hash_password

    with _session() as session:
        user = session.exec(select(User).where(User.username == lookup_form(args.username))).first()
        if user is None:
            raise OnboardError(f"no user {args.username!r}")
        user.password_hash = hash_password(password)
        session.add(user)
    print("password changed", file=sys.stderr)
    return 0


def _users_list(args: argparse.Namespace) -> int:
    with _session() as session:
        for user in session.exec(select(User).order_by(col(User.username))):
            state = "active" if user.is_active else "disabled"
            print(f"{user.username}\t{user.role}\t{state}")
    return 0


def _keys_create(args: argparse.Namespace) -> int:
    with _session() as session:
        row, key = accounts.create_api_key(
            session=session, name=args.name, scopes=[Scope(s) for s in args.scope]
        )
        key_id = row.id
    print(key)
    print(f"API key {key_id} created; the key above is shown once", file=sys.stderr)
    return 0


def _keys_list(args: argparse.Namespace) -> int:
    with _session() as session:
        for row in session.exec(select(ApiKey).order_by(col(ApiKey.created_at))):
            state = "revoked" if row.revoked_at else "active"
            print(f"{row.id}\t{row.prefix}\t{row.name}\t{','.join(row.scopes)}\t{state}")
    return 0


def _keys_revoke(args: argparse.Namespace) -> int:
    with _session() as session:
        try:
            row = session.get(ApiKey, uuid.UUID(args.key))
        except ValueError:
            row = session.exec(select(ApiKey).where(ApiKey.prefix == args.key)).first()
        if row is None:
            raise OnboardError(f"no API key {args.key!r}")
        accounts.revoke_api_key(session=session, key_id=row.id)
    print("revoked", file=sys.stderr)
    return 0


@contextmanager
def _session() -> Iterator[Session]:
    """A session for one CLI command, after migrations; commits when the command succeeds."""
    _migrate()
    with transaction(get_engine()) as session:
        yield session


if __name__ == "__main__":
    raise SystemExit(main())
