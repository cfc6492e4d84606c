"""Where the build keeps what it can reuse between runs, as Python keeps `.pyc` files.

Two things are kept: the code Jinja compiles from the templates (`templating.CodeCache`) and the
parsed YAML of the project's own files (`yamlfile.parsed_cache`). Both come from `content/` and
`templates/` only, never from a profile, so the cache holds nothing of any student; every entry is
checked against the text it came from, so an edit is never served stale.

The folder is `GUIDEBOOK_CACHE_DIR` when set (an empty value turns caching off), else Jinja's own
folder for the user in the system's temporary directory, which Jinja creates private to the user
and refuses to use if anyone else could write to it. A cache that cannot be read or written is
passed over: a build never fails because of it.
"""

from __future__ import annotations

import os
from pathlib import Path

import jinja2


def cache_folder() -> Path | None:
    """The cache folder, created if need be; None when caching is off or no folder is usable."""
    chosen = os.environ.get("GUIDEBOOK_CACHE_DIR")
    if chosen == "":
        return None
    try:
        if chosen:
            os.makedirs(chosen, mode=0o700, exist_ok=True)
            return Path(chosen)
        return Path(jinja2.FileSystemBytecodeCache().directory)
    except (OSError, RuntimeError):  # Jinja raises RuntimeError for a folder others could write to
        return None
