"""One window per data folder: a second start brings the first window forward.

The first app started on a data folder listens on a local socket named after
the folder (``QLocalServer``); a second start connects to it, asks it to show
itself and exits. The storage layer's folder lock
(:mod:`ktpe_desktop.storage.folderlock`) stays the real guard: this only spares
the user a second window that would be refused at login.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger("ktpe.ui")

_RAISE = b"raise\n"
_WAIT_MS = 1000


def server_name(data_dir: Path) -> str:
    """The local socket's name for a data folder (no path on the wire, no user name)."""
    digest = hashlib.sha256(str(Path(data_dir).resolve()).encode("utf-8")).hexdigest()
    return f"ktpe-jemput-bola-{digest[:20]}"


class SingleInstance(QObject):
    """The app's local socket for ``data_dir``.

    Call :meth:`notify_running` first: True means another window owns the folder
    and was asked to come forward (exit then). Else :meth:`listen`, and connect
    :attr:`activated` to bring this window forward.
    """

    activated = Signal()

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = server_name(data_dir)
        self._server: QLocalServer | None = None
        self._clients: list[QLocalSocket] = []

    def notify_running(self) -> bool:
        socket = QLocalSocket()
        socket.connectToServer(self.name)
        if not socket.waitForConnected(_WAIT_MS):
            return False
        socket.write(_RAISE)
        socket.waitForBytesWritten(_WAIT_MS)
        socket.disconnectFromServer()
        return True

    def listen(self) -> bool:
        server = QLocalServer(self)
        if not server.listen(self.name):
            # A socket file left by a crashed instance (nobody answered above).
            QLocalServer.removeServer(self.name)
            if not server.listen(self.name):
                log.warning("single-instance socket unavailable: %s", server.errorString())
                return False
        server.newConnection.connect(self._on_connection)
        self._server = server
        return True

    def _on_connection(self) -> None:
        assert self._server is not None
        while (socket := self._server.nextPendingConnection()) is not None:
            self._clients.append(socket)
            socket.readyRead.connect(self._read_clients)
            socket.disconnected.connect(self._read_clients)
        self._read_clients()

    def _read_clients(self) -> None:
        for socket in list(self._clients):
            if socket.bytesAvailable() and bytes(socket.readAll().data()).startswith(_RAISE[:5]):
                self.activated.emit()
            if socket.state() == QLocalSocket.LocalSocketState.UnconnectedState:
                self._clients.remove(socket)
                socket.deleteLater()

    def close(self) -> None:
        for socket in self._clients:
            socket.abort()
        self._clients.clear()
        if self._server is not None:
            self._server.close()
            self._server = None


__all__ = ["SingleInstance", "server_name"]
