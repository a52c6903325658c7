"""Hearth's PySide6 desktop app. Imports `engine`; the engine never imports this."""
