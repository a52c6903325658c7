"""Write a copy of a GGUF file with another chat template (a crafted model for tests).

GGUF keeps metadata before the weights, and tensor offsets are relative to the (aligned) start
of the data section, so changing one string only shifts the data section: the header is
rewritten with the new template, padded to the file's alignment, and the weights are copied
unchanged after it. Only the standard library and the format description are used.
"""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

_SCALAR_SIZES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
_STRING, _ARRAY = 8, 9
KEY = "tokenizer.chat_template"


class _Cursor:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, fmt: str) -> int:
        (value,) = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return value

    def string(self) -> str:
        n = self.take("<Q")
        text = self.data[self.pos:self.pos + n].decode("utf-8", "replace")
        self.pos += n
        return text

    def skip_value(self, vtype: int) -> None:
        if vtype in _SCALAR_SIZES:
            self.pos += _SCALAR_SIZES[vtype]
        elif vtype == _STRING:
            self.string()
        elif vtype == _ARRAY:
            item, count = self.take("<I"), self.take("<Q")
            for _ in range(count):
                self.skip_value(item)
        else:
            raise ValueError(f"unknown GGUF value type {vtype}")


def with_chat_template(src: Path, dst: Path, template: str) -> Path:
    """Copy ``src`` to ``dst`` with ``tokenizer.chat_template`` set to ``template``."""
    with open(src, "rb") as fh:
        head = fh.read(64 * 1024 * 1024)  # metadata of a small model fits easily
    c = _Cursor(head)
    assert head[:4] == b"GGUF", "not a GGUF file"
    c.pos = 4
    c.take("<I")
    n_tensors, n_kv = c.take("<Q"), c.take("<Q")
    span, alignment = None, 32
    for _ in range(n_kv):
        key = c.string()
        vtype = c.take("<I")
        start = c.pos
        if key == "general.alignment" and vtype == 4:
            alignment = c.take("<I")
            continue
        c.skip_value(vtype)
        if key == KEY:
            span = (start, c.pos)
    for _ in range(n_tensors):
        c.string()
        n_dims = c.take("<I")
        c.pos += 8 * n_dims + 4 + 8
    header_end = c.pos
    data_start = (header_end + alignment - 1) // alignment * alignment
    assert span is not None, "the file has no chat template to replace"
    encoded = template.encode("utf-8")
    header = head[:span[0]] + struct.pack("<Q", len(encoded)) + encoded + head[span[1]:header_end]
    pad = (-len(header)) % alignment
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        fout.write(header + b"\0" * pad)
        fin.seek(data_start)
        shutil.copyfileobj(fin, fout, 1 << 20)
    return dst
