"""Artist–artist similarity models fitted on co-listening."""
