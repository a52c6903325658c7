"""An answer saved while it streams, so a crash or kill -9 keeps what was already shown.

The assistant calls :meth:`PartialAnswer.save` with the text so far *before* it shows a new
piece, and :meth:`PartialAnswer.finish` at the end. The first save creates the message with
status ``streaming`` (tagged with this process); later saves update it; finish sets the final
status and figures. If the process dies in between, :class:`~engine.chats.store.ChatStore`
marks the message ``interrupted`` the next time the chats database is opened.
"""

from __future__ import annotations

import logging
from typing import Any

from engine.errors import HearthError

log = logging.getLogger(__name__)


class PartialAnswer:
    def __init__(self, store: Any, chat_id: int, **fields: Any) -> None:
        self.store = store
        self.chat_id = chat_id
        self.fields = fields            # route, provider, outbound_text, citations
        self.message_id: int | None = None
        self._saved = ""
        self._failing = False

    def save(self, text: str) -> None:
        """Persist ``text`` (the whole answer so far). A failed save (full disk) is logged, not
        raised: the answer keeps streaming, and :meth:`finish` reports the problem."""
        if not text or text == self._saved or self._failing:
            return
        try:
            if self.message_id is None:
                msg = self.store.add_message(self.chat_id, "assistant", text, status="streaming", **self.fields)
                self.message_id = msg.id
            else:
                self.store.save_streaming(self.message_id, text)
            self._saved = text
        except HearthError:
            self._failing = True  # do not retry per piece on a full disk; finish() tries once more
            log.warning("could not save the answer while it streamed", exc_info=True)

    def finish(self, text: str, status: str, **stats: Any) -> Any:
        """The final message (created now if nothing was saved yet). Raises StorageError."""
        if self.message_id is None:
            return self.store.add_message(self.chat_id, "assistant", text, status=status, **self.fields, **stats)
        return self.store.update_message(self.message_id, content=text, status=status, **stats)
