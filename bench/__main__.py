"""`make bench`: every benchmark, with the floors it is compared against."""

from __future__ import annotations

import platform

from bench import archive, bot, officer, proofs, registry


def main() -> None:
    print(f"Onboard benchmarks on {platform.node()} ({platform.python_version()})")
    registry.run()
    proofs.run()
    officer.run()
    archive.run()
    bot.run()


if __name__ == "__main__":
    main()
