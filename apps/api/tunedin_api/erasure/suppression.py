"""Which users are erased, so that nothing derived from them is served.

The durable record is the erasure ledger in the artifact store (``tunedin_common.erasures``);
each API process keeps its subjects in memory (loaded at startup, reread when the ledger
changes) and mirrors them into a Redis set. A request about a user tests that set in the
round trip it already makes (``ratelimit``), so an erasure made by any process is honoured by
every other one from the moment its ``DELETE`` returns; the in-memory copy covers Redis being
down or flushed, and an API restart.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from redis.exceptions import RedisError

from tunedin_api.ratelimit import MemberTest
from tunedin_api.store.keys import ERASED_SET
from tunedin_api.store.redis_link import RedisLink
from tunedin_common.erasures import ErasureLedger, subject_of

log = logging.getLogger(__name__)


class Suppression:
    def __init__(self, ledger: ErasureLedger, key: bytes, link: RedisLink) -> None:
        self.ledger = ledger
        self.key = key
        self.link = link
        self.subjects: set[str] = set()
        self._signature: tuple[int, int] | None = None
        self._model_subjects: tuple[str, list[str]] = ("", [])

    def subject(self, user_id: int) -> str:
        return subject_of(self.key, user_id)

    @staticmethod
    def test(subjects: Sequence[str]) -> MemberTest:
        """The Redis test of ``subjects``, made along with the request's rate-limit hits."""
        return MemberTest(ERASED_SET, tuple(subjects))

    def erased(self, subjects: Sequence[str], shared: list[bool] | None) -> list[bool]:
        """Per subject whether that user is erased: by the shared set's answer (``None``: Redis
        not reached) or this process's copy of the ledger."""
        if shared is None:
            return [subject in self.subjects for subject in subjects]
        return [flag or subject in self.subjects for subject, flag in zip(subjects, shared, strict=True)]

    def model_subjects(self, model_id: str, user_row: dict[int, int]) -> list[str]:
        """The subject of each user row of a model (computed once per model: ~1.5 µs a user)."""
        if self._model_subjects[0] != model_id:
            by_row = [""] * len(user_row)
            for user_id, row in user_row.items():
                by_row[row] = self.subject(user_id)
            self._model_subjects = (model_id, by_row)
        return self._model_subjects[1]

    def add(self, subject: str) -> None:
        self.subjects.add(subject)

    def load(self) -> bool:
        """Reread the ledger if it changed; whether it did (blocking: run it off the event loop)."""
        signature = self.ledger.signature()
        if signature == self._signature:
            return False
        self.subjects |= self.ledger.subjects()
        self._signature = signature
        return True

    async def mirror(self) -> None:
        """Put into the Redis set what it lacks (after a flush, or an erasure made while Redis was down)."""
        if not self.subjects or not self.link.up:
            return
        try:
            if int(await self.link.client.scard(ERASED_SET)) < len(self.subjects):
                await self.link.client.sadd(ERASED_SET, *self.subjects)
        except (RedisError, OSError) as exc:
            self.link.failed(exc)

    async def watch(self, interval_s: float) -> None:
        """Follow the ledger and keep Redis in step, forever (a background task of each worker)."""
        failing: str | None = None
        while True:
            try:
                await asyncio.to_thread(self.load)
                await self.mirror()
                failing = None
            except OSError as exc:  # logged once per distinct failure, not on every poll
                if str(exc) != failing:
                    log.error("erasure ledger unreadable: %s; the erasures known so far stay suppressed", exc)
                failing = str(exc)
            except Exception:  # the watcher must survive a store that misbehaves
                log.exception("erasure ledger check failed; the erasures known so far stay suppressed")
            await asyncio.sleep(interval_s)
