"""Release tooling: lock files, Windows version resource, third-party notices, installer."""
