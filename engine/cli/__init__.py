"""The `hearth` command line. Each sub-module registers its own sub-commands."""
