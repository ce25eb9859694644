"""`onboard import cards`: the paper-card archive (layout: docs/import.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from service.cli.common import Commands, migrate
from service.core.db import get_engine


def register(commands: Commands) -> None:
    imp = commands.add_parser("import", help="import records").add_subparsers()
    ic = imp.add_parser("cards", help="paper-card archive, CSV (layout: docs/import.md)")
    ic.add_argument("file")
    ic.add_argument("--report", help="CSV of bad rows (default: FILE.report.csv)")
    ic.set_defaults(func=_import_cards)


class _Progress:
    """Rows done so far on stderr: a bar on a terminal, a line per tenth otherwise."""

    def __init__(self, path: Path) -> None:
        with path.open(encoding="utf-8-sig", errors="replace") as fh:  # for progress only
            self.total = max(sum(1 for _ in fh) - 1, 1)
        self.tty = sys.stderr.isatty()
        self.last = -1

    def __call__(self, done: int) -> None:
        total = self.total
        percent = min(100, done * 100 // total)
        if self.tty:
            bar = "#" * (percent // 4)
            print(
                f"\r[{bar:<25}] {percent:3d}%  {done:,}/{total:,} rows",
                end="",
                file=sys.stderr,
                flush=True,
            )
        elif percent // 10 != self.last:
            self.last = percent // 10
            print(f"{done:,}/{total:,} rows ({percent}%)", file=sys.stderr, flush=True)

    def end(self) -> None:
        if self.tty:
            print(file=sys.stderr)  # end the progress bar's line


def _import_cards(args: argparse.Namespace) -> int:
    from service.archive import importer

    path = Path(args.file)
    if not path.is_file():
        print(f"onboard: no file {path}", file=sys.stderr)
        return 2
    report = Path(args.report) if args.report else path.with_suffix(".report.csv")
    migrate()
    progress = _Progress(path)
    try:
        result = importer.import_file(engine=get_engine(), path=path, progress=progress)
    except importer.ImportFileError as exc:
        progress.end()
        print(f"onboard: {exc}", file=sys.stderr)
        return 2  # docs/import.md: 2 when the file cannot be read
    progress.end()
    importer.write_report(result, report)
    rate = result.rows / result.seconds if result.seconds else 0.0
    print(
        f"{result.rows} rows: {result.imported} imported, {result.already_imported} imported "
        f"before, {len(result.bad)} bad (report: {report}); {rate:,.0f} rows/s"
    )
    return 0 if not result.bad else 1
