"""The sync client: HTTP client, outbox relay, pulls, backoff, network status, retention.

Qt-free except :mod:`ktpe_desktop.sync.qt`. The UI and the CLI go through
:mod:`ktpe_desktop.services.sync_service`; docs/sync-client.md describes the behaviour.
"""
