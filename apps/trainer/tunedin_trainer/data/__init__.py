"""Getting, checking, splitting and reading the Last.fm data."""
