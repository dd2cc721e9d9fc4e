"""The API's view of its key file, reloaded while it runs: rotation needs no restart.

Every ``api_keys_poll_s`` each process stats the file (following symlinks, as a Kubernetes
Secret volume swaps its ``..data`` link) and rereads it when its inode, size or mtime changed.
A file that cannot be parsed keeps the keys read before (and the error is logged and shown on
``/readyz``); a file that is gone, or no file configured, leaves no key, so ``/v1`` answers 401.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from tunedin_api.keys.keyfile import KeyEntry, KeyFileError, matches, parse_key, read_key_file

log = logging.getLogger(__name__)
Stamp = tuple[int, int, int]  # (inode, size, mtime in ns)


class KeyRegistry:
    def __init__(self, path: str) -> None:
        self.path = Path(path) if path else None
        self._active: dict[str, KeyEntry] = {}
        self._stamp: Stamp | None = None
        self.error: str | None = None if path else "no key file configured (TUNEDIN_API_KEYS_FILE)"

    @property
    def active_ids(self) -> list[str]:
        return sorted(self._active)

    def lookup(self, key: str) -> KeyEntry | None:
        """The active entry ``key`` belongs to, else ``None`` (unknown, malformed or revoked)."""
        parsed = parse_key(key)
        if parsed is None:
            return None
        entry = self._active.get(parsed[0])
        return entry if entry is not None and matches(entry, key) else None

    def reload(self) -> bool:
        """Reread the file if it changed since the last look; whether the keys changed."""
        if self.path is None:
            return False
        try:
            info = self.path.stat()  # follows symlinks
        except FileNotFoundError:
            return self._gone()
        except OSError as exc:
            self._fail(f"{self.path} cannot be read: {exc}")
            return False
        stamp = (info.st_ino, info.st_size, info.st_mtime_ns)
        if stamp == self._stamp:
            return False
        try:
            keys = read_key_file(self.path)
        except KeyFileError as exc:
            self._stamp = stamp  # not retried until the file changes again
            self._fail(str(exc))
            return False
        self._stamp = stamp
        active = {entry.id: entry for entry in keys.keys if entry.active}
        changed = active != self._active
        self._active = active
        self.error = None
        log.info("API keys loaded from %s: %d active (%s)", self.path, len(active), ", ".join(sorted(active)))
        return changed

    def _gone(self) -> bool:
        had = bool(self._active)
        self._active, self._stamp = {}, None
        self._fail(f"{self.path} does not exist: every /v1 request is refused until it does")
        return had

    def _fail(self, message: str) -> None:
        if message != self.error:
            log.error("API keys: %s; %d keys still active", message, len(self._active))
        self.error = message

    async def watch(self, interval_s: float) -> None:
        """Reload forever (a background task of each worker)."""
        while True:
            await asyncio.sleep(interval_s)
            try:
                await asyncio.to_thread(self.reload)
            except Exception:  # the watcher must survive anything a bad file throws
                log.exception("API key reload failed; the keys read before stay active")
