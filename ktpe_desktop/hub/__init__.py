"""The school hub (issue 14): several stations at one school share one list offline.

* :mod:`.server` — hub mode: the reference server inside this laptop, on an
  encrypted database, over TLS on the LAN, announced by mDNS;
* :mod:`.pairing` — the short code that authenticates the hub's certificate;
* :mod:`.link` — a station's side: join, then push/pull rounds with the hub;
* :mod:`.runner` — the background loop (a round soon after each save, every few
  seconds otherwise) and its status;
* :mod:`.discovery` — mDNS announcement and browsing.

No Qt here: the UI page lives in ``ui/hub_page.py``.
"""
