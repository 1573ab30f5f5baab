#!/usr/bin/env python3
"""Same as the installed `duban` command, for those used to manage.py."""

from duban.cli import main

if __name__ == "__main__":
    main()
