"""Key material in text the stack or the suite wrote: any API key in full, its secret part, its
sha256 (what the key file stores), or the key prefix ``tdk_`` at all."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from tests.support.keys import ApiKeys
from tunedin_api.keys.keyfile import PREFIX, hash_key, parse_key


def every_key(keys: ApiKeys) -> list[str]:
    """The keys of a key file made by ``make_test_keys``: each scope's, admin's and the revoked one."""
    return [*keys.by_scope.values(), keys.revoked]


def key_forms(key: str) -> dict[str, str]:
    """What of ``key`` must never be written: the key, its secret part and its sha256."""
    forms = {"key": key, "sha256": hash_key(key)}
    parsed = parse_key(key)
    if parsed is not None:
        forms["secret"] = parsed[1]
    return forms


def _key_id(key: str) -> str:
    parsed = parse_key(key)
    return parsed[0] if parsed is not None else "(malformed)"


def key_leaks(texts: dict[str, str], keys: Iterable[str]) -> list[str]:
    """``'<where>: <what> of key <id>'`` for every key form found in ``texts`` (name → text),
    and ``'<where>: the key prefix xN'`` where the key prefix appears at all (the findings
    themselves name no key material, so that a report listing them holds none)."""
    found = []
    forms = [(_key_id(key), key_forms(key)) for key in keys]
    for where, text in texts.items():
        for key_id, named in forms:
            found += [f"{where}: {what} of key {key_id}" for what, form in named.items() if form in text]
        if PREFIX in text:
            found.append(f"{where}: the key prefix x{text.count(PREFIX)}")
    return found


def read_texts(paths: Iterable[Path]) -> dict[str, str]:
    """The files at ``paths`` that exist, as text (undecodable bytes replaced)."""
    return {str(p): p.read_text(errors="replace") for p in paths if p.is_file()}


def access_key_ids(log: str) -> list[str | None]:
    """The ``key_id`` of every access-log line of a JSON API log (None: no authorised key)."""
    ids = []
    for line in log.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("name") == "tunedin.access":
            ids.append(record.get("key_id"))
    return ids
