"""The hub's :class:`~ktpe_desktop.core.errors.KnownError` subclasses (Indonesian first)."""

from __future__ import annotations

from ktpe_desktop.core.errors import KnownError


class HubError(KnownError):
    """Base of every hub failure."""

    code = "hub_error"
    retryable = True


class HubUnreachable(HubError):
    code = "hub_unreachable"

    def __init__(self, address: str = "", detail: str = "") -> None:
        where = f" ({address})" if address else ""
        super().__init__(
            f"Hub sekolah tidak dapat dihubungi{where}. Laptop ini tetap bekerja luring; "
            "catatan dikirim ke hub begitu hub terjangkau lagi.",
            f"The school hub cannot be reached{where}. This laptop keeps working offline; "
            "its records go to the hub as soon as it is reachable again.",
        )
        self.detail = detail


class InvalidHubAddress(HubError):
    code = "hub_address_invalid"
    retryable = False

    def __init__(self, text: str) -> None:
        super().__init__(
            f"Alamat hub {text!r} tidak dikenali. Ketik seperti yang tampil di layar hub, "
            "misalnya 192.168.1.20:47180.",
            f"The hub address {text!r} is not understood. Type it as the hub's screen shows "
            "it, for example 192.168.1.20:47180.",
        )


class InvalidPairingCode(HubError):
    code = "pairing_code_invalid"
    retryable = False

    def __init__(self) -> None:
        super().__init__(
            "Kode pasangan terdiri dari 8 huruf dan angka, seperti yang tampil di layar hub "
            "(contoh: K7QM-2XPD).",
            "The pairing code is 8 letters and digits, as the hub's screen shows it "
            "(for example K7QM-2XPD).",
        )


class PairingCodeWrong(HubError):
    """The hub refused the station's proof: the code typed is not the hub's."""

    code = "pairing_code_wrong"
    retryable = False

    def __init__(self, retired: bool = False) -> None:
        extra_id = (
            " Terlalu banyak percobaan salah: hub kini menampilkan kode baru." if retired else ""
        )
        extra_en = " Too many wrong tries: the hub now shows a new code." if retired else ""
        super().__init__(
            "Kode pasangan salah. Periksa kode yang tampil di layar hub lalu ketik ulang."
            + extra_id,
            "Wrong pairing code. Check the code shown on the hub's screen and type it again."
            + extra_en,
        )


class HubNotAuthentic(HubError):
    """The machine at the address could not prove it knows the code for its certificate."""

    code = "hub_not_authentic"
    retryable = False

    def __init__(self) -> None:
        super().__init__(
            "Kode pasangan tidak cocok dengan hub di alamat ini. Periksa kode di layar hub lalu "
            "ketik ulang. Bila kode sudah persis sama, alamat ini BUKAN hub tim Anda (mesin lain "
            "dengan sertifikat lain): jangan bergabung dan beri tahu koordinator. Tidak ada data "
            "yang dikirim.",
            "The pairing code does not match the hub at this address. Check the code on the "
            "hub's screen and type it again. If it is exactly the same, this address is NOT "
            "your team's hub (another machine, another certificate): do not join, and tell the "
            "team lead. Nothing was sent.",
        )


class OtherTeam(HubError):
    code = "other_team"
    retryable = False

    def __init__(self, hub_team: str = "", own_team: str = "") -> None:
        super().__init__(
            f"Hub ini milik tim lain{f' ({hub_team})' if hub_team else ''}, sedangkan laptop "
            f"ini terdaftar di {own_team or 'tim lain'}. Hanya laptop satu tim yang dapat "
            "bergabung dengan hub sekolah.",
            f"This hub belongs to another team{f' ({hub_team})' if hub_team else ''}, while "
            f"this laptop is enrolled in {own_team or 'another team'}. Only laptops of one team "
            "can join a school hub.",
        )


class HubCertificateChanged(HubError):
    """A paired hub's address now presents another certificate."""

    code = "hub_certificate_changed"
    retryable = False

    def __init__(self) -> None:
        super().__init__(
            "Sertifikat hub berubah sejak laptop ini bergabung: mesin di alamat itu bukan hub "
            "yang dipasangkan (mungkin mesin lain menyamar). Tidak ada data yang dikirim. Bila "
            "hub memang dibuat ulang, gabung lagi dengan kode barunya.",
            "The hub's certificate changed since this laptop joined: the machine at that "
            "address is not the paired hub (another machine may be posing as it). Nothing was "
            "sent. If the hub really was set up again, join again with its new code.",
        )


class HubTokenRefused(HubError):
    code = "hub_token_refused"
    retryable = False

    def __init__(self) -> None:
        super().__init__(
            "Hub menolak laptop ini (hub dibuat ulang atau laptop dikeluarkan). Gabung lagi "
            "dengan kode pasangan yang tampil di layar hub.",
            "The hub refuses this laptop (the hub was set up again, or this laptop was "
            "removed). Join again with the pairing code shown on the hub's screen.",
        )


class NotEnrolledForHub(HubError):
    code = "hub_needs_enrolment"
    retryable = False

    def __init__(self) -> None:
        super().__init__(
            "Laptop ini belum terdaftar di server pusat, jadi timnya belum diketahui. Daftarkan "
            "dulu (Sinkron → Daftarkan laptop), lalu gabung dengan hub sekolah.",
            "This laptop is not enrolled with the central server, so its team is unknown. "
            "Enrol it first (Sync → Enrol laptop), then join the school hub.",
        )


class HubKeyMismatch(HubError):
    """The hub holds another signing key for this laptop's device id."""

    code = "device_key_mismatch"
    retryable = False

    def __init__(self) -> None:
        super().__init__(
            "Hub menyimpan kunci tanda tangan lain untuk laptop ini, jadi catatannya tidak "
            "dapat diterima. Catatan tetap aman di laptop ini dan terkirim ke kantor saat "
            "sinkron; minta Koordinator membuat hub baru (Hentikan hub, lalu Jadikan hub "
            "sekolah) dan gabung lagi.",
            "The hub holds another signing key for this laptop, so its records cannot be "
            "taken. They stay safe on this laptop and reach the office when it syncs; ask the "
            "team lead to set up a new hub (Stop hub, then Make school hub) and join again.",
        )
