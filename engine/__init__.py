"""Hearth engine: everything that is not Qt.

Models, inference, documents, privacy, cloud, chats and the CLI live here. The desktop app
(`desktop`) imports this package; this package never imports Qt.
"""

__version__ = "0.1.0"
