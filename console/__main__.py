"""`python -m console` runs the same CLI as the `opsconsole` script."""

from console.cli import main

raise SystemExit(main())
