"""The sync client's :class:`~ktpe_desktop.core.errors.KnownError` subclasses.

Each one is an environment problem the user can act on (no network, a certificate
that is not trusted, a device that was revoked …). Messages are in Bahasa
Indonesia with an English twin; ``code`` is stable for the UI and the CLI.

``retryable`` tells the scheduler whether another round later may succeed by
itself (network, server overload) or whether a person must act first
(re-enrolment, a certificate, an address).
"""

from __future__ import annotations

from ktpe_desktop.core.errors import KnownError


class SyncError(KnownError):
    """Base of every sync failure."""

    code = "sync_error"
    retryable = True


class ServerUnreachable(SyncError):
    """DNS failure, connection refused or reset, timeout, truncated reply."""

    code = "server_unreachable"

    def __init__(self, detail: str = "", *, url: str = "") -> None:
        where = f" ({url})" if url else ""
        extra_id = f" Rincian: {detail}" if detail else ""
        extra_en = f" Details: {detail}" if detail else ""
        super().__init__(
            f"Server tidak dapat dihubungi{where}. Periksa koneksi internet (Wi-Fi atau "
            f"hotspot) lalu coba lagi; data tetap aman di laptop dan akan dikirim nanti."
            f"{extra_id}",
            f"The server cannot be reached{where}. Check the internet connection (Wi-Fi or "
            f"hotspot) and try again; the data stays safe on this laptop and will be sent "
            f"later.{extra_en}",
        )
        self.detail = detail


class CertificateError(SyncError):
    """The server's TLS certificate was refused: nothing was sent."""

    code = "certificate_error"
    retryable = False

    UNTRUSTED = "untrusted"
    WRONG_HOST = "wrong_host"
    EXPIRED = "expired"
    OTHER = "other"

    def __init__(self, reason: str, detail: str = "") -> None:
        texts = {
            self.UNTRUSTED: (
                "Sertifikat keamanan server tidak dikenal (diterbitkan oleh pihak yang tidak "
                "dipercaya laptop ini). Mungkin jaringan ini menyadap koneksi, atau server "
                "memakai sertifikat kantor: minta berkas CA dari admin lalu daftarkan dengan "
                "opsi --ca.",
                "The server's security certificate is not trusted (issued by an authority "
                "this laptop does not know). The network may be intercepting the connection, "
                "or the server uses the office's own certificate: ask the admin for the CA "
                "file and enrol with --ca.",
            ),
            self.WRONG_HOST: (
                "Sertifikat keamanan server dibuat untuk alamat lain. Periksa alamat server "
                "(salah ketik, atau alamat IP dipakai padahal sertifikat untuk nama domain).",
                "The server's security certificate was issued for another address. Check the "
                "server address (a typo, or an IP address where the certificate names a "
                "domain).",
            ),
            self.EXPIRED: (
                "Sertifikat keamanan server sudah kedaluwarsa (atau belum berlaku). Periksa "
                "tanggal dan jam laptop; jika sudah benar, hubungi admin kantor.",
                "The server's security certificate has expired (or is not valid yet). Check "
                "this laptop's date and time; if they are right, contact the office admin.",
            ),
            self.OTHER: (
                "Koneksi aman ke server gagal; tidak ada data yang dikirim.",
                "The secure connection to the server failed; nothing was sent.",
            ),
        }
        msg_id, msg_en = texts.get(reason, texts[self.OTHER])
        super().__init__(msg_id + " Tidak ada data yang dikirim.", msg_en + " Nothing was sent.")
        self.reason = reason
        self.detail = detail


class InvalidServerAddress(SyncError):
    code = "invalid_server_address"
    retryable = False

    def __init__(self, url: str) -> None:
        super().__init__(
            f"Alamat server tidak valid: {url!r}. Contoh yang benar: https://ktpe.malangkota.go.id",
            f"Invalid server address: {url!r}. A valid example: https://ktpe.malangkota.go.id",
        )


class Unauthorized(SyncError):
    """HTTP 401: the token is unknown or revoked; the outbox is kept."""

    code = "unauthorized"
    retryable = False

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            "Perangkat ini tidak lagi terdaftar di server (token ditolak atau dicabut). "
            "Daftar ulang (enrol) diperlukan dengan kode baru dari admin; data yang belum "
            "terkirim tetap tersimpan di laptop.",
            "This device is no longer registered with the server (token refused or "
            "revoked). Re-enrolment with a new code from the admin is needed; data not yet "
            "sent is kept on this laptop.",
        )
        self.detail = detail


class AppTooOld(SyncError):
    """HTTP 426 (or the server's advice seen before): this app is below the minimum.

    Nothing is sent until the app is updated; the outbox waits, intact.
    """

    code = "app_too_old"
    retryable = False

    def __init__(self, current: str, minimum: str, download_url: str | None = None) -> None:
        where_id = f" dari {download_url}" if download_url else " (minta pemasangnya ke admin)"
        where_en = f" from {download_url}" if download_url else " (ask the admin for it)"
        super().__init__(
            f"Versi aplikasi ini ({current}) sudah terlalu lama: server meminta minimal versi "
            f"{minimum}. Pasang versi baru{where_id}, lalu sinkronkan lagi. Semua data tetap "
            "aman di laptop dan akan terkirim setelah aplikasi diperbarui.",
            f"This app version ({current}) is too old: the server requires at least version "
            f"{minimum}. Install the new version{where_en}, then sync again. All data stays "
            "safe on this laptop and will be sent once the app is updated.",
        )
        self.current = current
        self.minimum = minimum
        self.download_url = download_url


class NotEnrolled(SyncError):
    code = "not_enrolled"
    retryable = False

    def __init__(self) -> None:
        super().__init__(
            "Laptop ini belum didaftarkan ke server. Jalankan pendaftaran (enrol) dengan "
            "alamat server dan kode dari admin.",
            "This laptop is not enrolled with a server yet. Enrol it with the server "
            "address and a code from the admin.",
        )


class EnrollmentRefused(SyncError):
    """The server refused the one-time code (unknown, used, expired)."""

    code = "enrollment_refused"
    retryable = False

    def __init__(self, server_code: str, server_message: str) -> None:
        if server_code == "device_bound":
            # This laptop's device id is enrolled already (a device enrols once, ever).
            super().__init__(
                f"Laptop ini sudah pernah terdaftar ({server_code}); perangkat yang sama tidak "
                f"dapat didaftarkan dua kali. Setelah pemulihan atau pencabutan, daftarkan "
                f"sebagai perangkat baru (centang pilihan itu di aplikasi, atau enroll URL KODE "
                f"--data-dir D --new-device); kode ini belum terpakai.",
                f"This laptop is enrolled already ({server_code}); a device enrols once, ever. "
                f"After a recovery or a revocation, enrol as a new device (tick that option in "
                f"the app, or enroll URL CODE --data-dir D --new-device); this code was not "
                f"used up.",
            )
        elif server_code in _ENROLMENT_REFUSALS:
            text_id, text_en = _ENROLMENT_REFUSALS[server_code]
            super().__init__(f"{text_id} ({server_code})", f"{text_en} ({server_code})")
        else:
            super().__init__(
                f"Kode pendaftaran ditolak server ({server_code}). Minta kode baru dari admin.",
                f"The server refused the enrolment code ({server_code}): {server_message}. Ask "
                f"the admin for a new code.",
            )
        self.server_code = server_code


#: The server's enrolment refusals in the user's words (its own messages are English,
#: meant for developers): what happened and what to do, the code itself unharmed
#: unless the text says otherwise.
_ENROLMENT_REFUSALS: dict[str, tuple[str, str]] = {
    "enrollment_code_invalid": (
        "Kode pendaftaran tidak dikenal server. Periksa ketikan kode dan alamat server, "
        "atau minta kode baru dari admin.",
        "The server does not know this enrolment code. Check the code and the server "
        "address as typed, or ask the admin for a new code.",
    ),
    "enrollment_code_expired": (
        "Kode pendaftaran sudah kedaluwarsa. Minta kode baru dari admin.",
        "The enrolment code has expired. Ask the admin for a new code.",
    ),
    "enrollment_code_used": (
        "Kode pendaftaran sudah pernah dipakai. Minta kode baru dari admin.",
        "The enrolment code was used already. Ask the admin for a new code.",
    ),
    "device_conflict": (
        "Laptop ini terdaftar pada tim lain; kode ini untuk tim yang berbeda. Minta admin "
        "memeriksa tim laptop ini; kode ini belum terpakai.",
        "This laptop belongs to another team; this code is for a different team. Ask the "
        "admin to check this laptop's team; the code was not used up.",
    ),
    "replaced_device_unknown": (
        "Perangkat lama yang hendak digantikan tidak dikenal sebagai laptop tim ini di "
        "server. Minta admin memeriksa perangkat tim di konsol kantor; kode ini belum "
        "terpakai.",
        "The old device this laptop would replace is not known as a laptop of this team "
        "on the server. Ask the admin to check the team's devices in the office console; "
        "the code was not used up.",
    ),
}


class RateLimited(SyncError):
    code = "rate_limited"

    def __init__(self, retry_after: float | None = None) -> None:
        super().__init__(
            "Server sedang sibuk; sinkronisasi dicoba lagi otomatis sebentar lagi.",
            "The server is busy; sync will retry automatically shortly.",
        )
        self.retry_after = retry_after


class ServerError(SyncError):
    """HTTP 5xx: the server failed; retry later."""

    code = "server_error"

    def __init__(self, status: int, detail: str = "") -> None:
        super().__init__(
            f"Server mengalami gangguan (HTTP {status}). Data tetap aman di laptop; "
            f"sinkronisasi dicoba lagi nanti.",
            f"The server had a problem (HTTP {status}). The data stays safe on this laptop; "
            f"sync will retry later.",
        )
        self.status = status
        self.detail = detail


class ProtocolError(SyncError):
    """The server's reply does not follow the protocol (or a 4xx we did not expect)."""

    code = "protocol_error"

    def __init__(self, detail: str, *, status: int | None = None, server_code: str = "") -> None:
        super().__init__(
            f"Balasan server tidak sesuai protokol: {detail}. Laporkan ke admin "
            f"(mungkin versi aplikasi perlu diperbarui).",
            f"The server's reply does not follow the protocol: {detail}. Report it to the "
            f"admin (the app may need an update).",
        )
        self.detail = detail
        self.status = status
        self.server_code = server_code


class ProtocolOutdated(SyncError):
    """HTTP 426: the server speaks a newer protocol than this app (update the app)."""

    code = "protocol_outdated"
    retryable = False

    def __init__(self) -> None:
        super().__init__(
            "Versi aplikasi ini terlalu lama untuk server pusat. Data tetap aman di laptop; "
            "perbarui aplikasi KTP-el Jemput Bola, lalu sinkronkan lagi.",
            "This app is too old for the central server. The data stays safe on this laptop; "
            "update the KTP-el Jemput Bola app, then sync again.",
        )


class SyncInProgress(SyncError):
    code = "sync_in_progress"

    def __init__(self) -> None:
        super().__init__("Sinkronisasi sedang berjalan.", "A sync is already running.")


class DeviceChainDiverged(SyncError):
    """The server holds a chain for this device that this laptop does not have.

    The server's ``contiguous_seq`` for our own device is beyond our last event, or
    its head hash is not our event at that seq: the database was restored from an
    older backup (or copied to another laptop) and has since reused ``seq`` numbers
    the server already holds. Pushing would only get every new event refused as a
    ``conflict``; the round stops instead and nothing is quarantined.
    """

    code = "device_chain_diverged"
    retryable = False

    def __init__(self, server_seq: int, local_seq: int) -> None:
        super().__init__(
            f"Server sudah menyimpan catatan perangkat ini yang tidak sama dengan isi laptop "
            f"ini (server sampai nomor {server_seq}, laptop sampai nomor {local_seq}). "
            f"Kemungkinan basis data laptop dipulihkan dari cadangan lama. Sinkronisasi "
            f"dihentikan; data di laptop tetap tersimpan dan tidak ada yang ditolak. Jangan "
            f"merekam dengan laptop ini dulu dan hubungi admin: laptop perlu didaftarkan ulang "
            f"sebagai perangkat baru (panduan operasi, bagian cadangan dan pemulihan).",
            f"The server holds records of this device that differ from this laptop's "
            f"(server up to number {server_seq}, laptop up to number {local_seq}). The "
            f"laptop's database was probably restored from an old backup. Sync stopped; the "
            f"data on this laptop is kept and nothing was refused. Do not record on this "
            f"laptop for now and contact the admin: it must be re-enrolled as a new device "
            f"(operations guide, backups and restore).",
        )
        self.server_seq = server_seq
        self.local_seq = local_seq
