"""`make bench`: every benchmark, with the floors it is compared against; or the ones named
(`python -m bench proofs bot`). `make bench-scale` (`python -m bench.scale`) is separate."""

from __future__ import annotations

import argparse
import platform
from types import ModuleType

from bench import archive, bot, officer, proofs, registry

# In the order `make bench` runs them, with what each measures.
BENCHES: dict[str, tuple[ModuleType, str]] = {
    "registry": (registry, "card creations over HTTP, against /healthz and a raw SQLite commit"),
    "proofs": (proofs, "signing, verification and QR rendering; POST /verify over HTTP"),
    "officer": (officer, "the officer page's own verification in Chromium"),
    "archive": (archive, "archive import on SQLite, rows per second"),
    "bot": (bot, "the Telegram bot: updates per second and resident memory"),
}

_SETTINGS = """\
settings (environment):
  BENCH_SECONDS, BENCH_CONNECTIONS   wrk's duration (5) and connections (16)
  BENCH_SERVICE_DIR                  serve another checkout (measure before a change)
  BENCH_DATABASE_URL                 serve this (empty) database instead of SQLite
  BENCH_PROOFS_ONLY=http             proofs: only POST /verify over HTTP
  BENCH_BOT_UPDATES, BENCH_BOT_USERS bot: updates sent and users they come from"""


def main(argv: list[str] | None = None) -> None:
    listing = "\n".join(f"  {name:<9} {what}" for name, (_, what) in BENCHES.items())
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        epilog=f"benchmarks:\n{listing}\n\n{_SETTINGS}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("names", nargs="*", metavar="NAME", help="benchmarks to run (all)")
    names = parser.parse_args(argv).names or list(BENCHES)
    if unknown := [n for n in names if n not in BENCHES]:
        parser.error(f"no benchmark {', '.join(unknown)} (choose from {', '.join(BENCHES)})")
    print(f"Onboard benchmarks on {platform.node()} ({platform.python_version()})")
    for name in names:
        BENCHES[name][0].run()


if __name__ == "__main__":
    main()
