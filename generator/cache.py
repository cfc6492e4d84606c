"""Where the build keeps what it can reuse between runs, as Python keeps `.pyc` files.

Two things are kept: the code Jinja compiles from the templates (`templating.CodeCache`) and the
parsed YAML of the project's own files (`yamlfile.parsed_cache`). Both come from `content/` and
`templates/` only, never from a profile, so the cache holds nothing of any student; every entry is
checked against the text it came from, so an edit is never served stale.

The folder is `GUIDEBOOK_CACHE_DIR` when set (an empty value turns caching off), else Jinja's own
folder for the user in the system's temporary directory, which Jinja creates private to the user.
What the cache holds is loaded as code, so a folder that belongs to someone else, or that others
could write to, is not used. A cache that cannot be read or written is passed over: a build never
fails because of it.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import jinja2


def code_stamp(module_file: str, *versions: str) -> str:
    """A short digest of a module's source (and VERSIONS of libraries), for the names of cache entries
    that module fills: when the code that decides an entry's content changes, the entry is not reused."""
    digest = hashlib.sha1(Path(module_file).read_bytes())
    for version in versions:
        digest.update(version.encode())
    return digest.hexdigest()[:12]


def cache_folder() -> Path | None:
    """The cache folder, created if need be; None when caching is off or no folder is usable."""
    chosen = os.environ.get("GUIDEBOOK_CACHE_DIR")
    if chosen == "":
        return None
    try:
        if not chosen:
            return Path(jinja2.FileSystemBytecodeCache().directory)
        os.makedirs(chosen, mode=0o700, exist_ok=True)
        found = os.stat(chosen)
    except (OSError, RuntimeError):  # Jinja raises RuntimeError for a folder others could write to
        return None
    # What the cache holds is run as code, so a folder someone else could write to is not used
    # (where the system has owners and modes; on Windows, as Jinja does, the folder is trusted).
    if hasattr(os, "getuid") and (found.st_uid != os.getuid() or found.st_mode & 0o022):
        return None
    return Path(chosen)
