"""``python -m nnlab ...`` runs the command line (see nnlab.cli)."""
from .cli import main

raise SystemExit(main())
