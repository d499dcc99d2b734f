"""Config files as the last render parsed them, by content: so a render after a change to one
env file does not parse an unchanged defaults.yaml again (at 570 stacks, 0.08 s of the
render's CPU; loading the parse back takes 0.02 s).

One entry per config file in `.infragen-cache/render/parsed/`, named by a digest of the
file's bytes, the name its errors show and infragen's code stamp (infragen's code with its
loader and tags, PyYAML's version): an edited file, another infragen or another name is
another entry, and an unreadable entry is a parse. Entries are pickles, so their names must
not be guessable by whoever can write into the cache directory: the code stamp holds every
source file's mtime in nanoseconds. A file that does not parse is never stored; its error
comes from the parse, as always.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
from pathlib import Path
from typing import TYPE_CHECKING

from infragen.render import record

if TYPE_CHECKING:
    from infragen.config.loader import LoadedFile

PARSED_DIR = record.RECORD_DIR / "parsed"


def read_config(path: Path, display: str) -> LoadedFile:
    """`path` parsed as `infragen.config.loader.load_yaml_file` parses it, or as a render
    parsed the same bytes before."""
    from infragen.config.loader import (
        UTF8_HINT,
        LoadedFile,
        decode_utf8,
        load_yaml_file,
        load_yaml_text,
    )

    try:
        raw = path.read_bytes()
    except OSError:
        return load_yaml_file(path, display)  # which reports it as config loading does
    slot = hashlib.sha256(f"{path}\0{display}".encode()).hexdigest()[:16]
    key = hashlib.sha256(f"{record.code_stamp()}\0{path}\0{display}\0".encode() + raw).hexdigest()
    entry = PARSED_DIR / f"{slot}-{key[:40]}.pickle"
    with contextlib.suppress(Exception):  # any doubt about an entry: parse
        found = pickle.loads(entry.read_bytes())
        if isinstance(found, LoadedFile):
            return found
    # The bytes read above, not the file again: an entry must be the parse of its key.
    loaded = load_yaml_text(decode_utf8(raw, display, UTF8_HINT), display, path)
    _save(entry, slot, loaded)
    return loaded


def _save(entry: Path, slot: str, loaded: LoadedFile) -> None:
    """Best effort, atomic; the file's earlier entries go (one per config file is kept)."""
    temp = entry.with_name(f".{entry.name}.{os.getpid()}.tmp")
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        temp.write_bytes(pickle.dumps(loaded, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(temp, entry)
        for old in entry.parent.glob(f"{slot}-*.pickle"):
            if old != entry:
                old.unlink(missing_ok=True)
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        with contextlib.suppress(OSError):
            temp.unlink(missing_ok=True)
