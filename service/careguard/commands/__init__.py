"""One module per ``careguard`` subcommand, each with ``register(subparsers)``."""
