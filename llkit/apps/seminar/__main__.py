"""``python -m llkit.apps.seminar build [--check] [--src DIR] [--out DIR]``."""

from llkit.apps.seminar.builder import main

if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
