"""The erased subjects on record and the key that matches user ids against them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from tunedin_common.erasures import ErasureLedger, ErasureRequest, require_key, subject_of
from tunedin_common.settings import CommonSettings


@dataclass(frozen=True)
class Suppression:
    """Every subject ever erased (the suppression list) and the pseudonym key."""

    key: bytes
    subjects: frozenset[str]

    @classmethod
    def load(cls, ledger: ErasureLedger, settings: CommonSettings) -> Suppression | None:
        """The ledger's suppression list; None when no erasure was ever recorded (no key needed)."""
        subjects = ledger.subjects()
        if not subjects:
            return None
        return cls(require_key(settings.pseudonym_key.get_secret_value()), subjects)

    @property
    def digest(self) -> str:
        """sha256 of the sorted subjects: what the dataset id folds in."""
        return hashlib.sha256("\n".join(sorted(self.subjects)).encode()).hexdigest()

    def subjects_among(self, user_ids: Iterable[int]) -> frozenset[str]:
        """The erased subjects of these user ids."""
        return frozenset(
            s for s in (subject_of(self.key, int(u)) for u in set(user_ids)) if s in self.subjects
        )

    def erased_among(self, user_ids: Iterable[int]) -> frozenset[int]:
        """The user ids that name an erased subject."""
        return frozenset(int(u) for u in set(user_ids) if subject_of(self.key, int(u)) in self.subjects)

    def covers(self, requests: Iterable[ErasureRequest]) -> list[ErasureRequest]:
        """The requests whose subject this list holds (a request recorded later is not covered)."""
        return [r for r in requests if r.subject in self.subjects]
