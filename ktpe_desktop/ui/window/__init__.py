"""The sections of the main window (see ``ui/main_window.py``)."""
