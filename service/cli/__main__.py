"""`python -m service.cli`: the `onboard` command."""

from service.cli import main

raise SystemExit(main())
