"""The dialogs of the desktop app, one module each (a reader finds a screen by its file name)."""
