"""``python -m tunedin_api.keys``: add, list and revoke API keys in a key file.

The API picks up every change to the file within ``TUNEDIN_API_KEYS_POLL_S`` without a restart,
so a key is rotated by adding its successor, moving the clients over, and revoking the old one.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from tunedin_api.keys.keyfile import (
    SCOPE_HELP,
    KeyEntry,
    KeyFile,
    KeyFileError,
    Scope,
    hash_key,
    new_key,
    now,
    read_key_file,
    write_key_file,
)

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)

FileOption = Annotated[
    Path, typer.Option("--file", envvar="TUNEDIN_API_KEYS_FILE", help="The key file (TUNEDIN_API_KEYS_FILE).")
]


def _scopes(text: str) -> list[Scope]:
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise typer.BadParameter("name at least one scope")
    valid = {s.value: s for s in Scope}
    unknown = [n for n in names if n not in valid]
    if unknown:
        listed = "; ".join(f"{s.value} ({SCOPE_HELP[s]})" for s in Scope)
        raise typer.BadParameter(f"unknown scope {', '.join(unknown)}; the scopes are: {listed}")
    return list(dict.fromkeys(valid[n] for n in names))


@contextmanager
def _locked(path: Path) -> Iterator[KeyFile]:
    """The key file, read under an exclusive lock (two writers cannot lose each other's keys)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.with_name(f".{path.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield read_key_file(path) if path.exists() else KeyFile()
        except KeyFileError as exc:
            raise typer.BadParameter(str(exc), param_hint="--file") from exc


@app.command()
def add(
    scopes: Annotated[str, typer.Option(help="Comma-separated: " + ", ".join(s.value for s in Scope))],
    file: FileOption,
    name: Annotated[str, typer.Option(help="Who or what holds the key (shown by list).")] = "",
) -> None:
    """Create a key with these scopes; print it once (only its hash is stored)."""
    wanted = _scopes(scopes)
    with _locked(file) as keys:
        key_id, key = new_key(keys)
        entry = KeyEntry(id=key_id, name=name, scopes=wanted, sha256=hash_key(key), created_at=now())
        write_key_file(file, KeyFile(keys=[*keys.keys, entry]))
    typer.echo(key)
    typer.echo(f"key {key_id} ({', '.join(wanted)}) added to {file}; it is shown only now", err=True)


@app.command("list")
def list_keys(file: FileOption) -> None:
    """Show every key's id, name, scopes and state (never the key)."""
    try:
        keys = read_key_file(file)
    except KeyFileError as exc:
        raise typer.BadParameter(str(exc), param_hint="--file") from exc
    typer.echo(f"{'id':<9} {'state':<8} {'created':<20} {'scopes':<44} name")
    for k in keys.keys:
        state = "active" if k.active else "revoked"
        created = k.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        typer.echo(f"{k.id:<9} {state:<8} {created:<20} {','.join(k.scopes):<44} {k.name}")


@app.command()
def revoke(
    key_id: Annotated[str, typer.Argument(help="The id of the key (see list).")], file: FileOption
) -> None:
    """Revoke a key: the API refuses it within seconds; it stays listed as revoked."""
    with _locked(file) as keys:
        entry = keys.find(key_id)
        if entry is None:
            raise typer.BadParameter(f"no key {key_id} in {file}", param_hint="KEY_ID")
        if entry.active:
            revoked = entry.model_copy(update={"revoked_at": now()})
            write_key_file(file, KeyFile(keys=[revoked if k.id == key_id else k for k in keys.keys]))
    typer.echo(f"key {key_id} revoked", err=True)
