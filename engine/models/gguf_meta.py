"""Read a GGUF file's metadata without loading its weights.

A pure reader of the header, the key/value section and the tensor table: fast (it reads a few
MB at most, never the weights) and safe on hostile files (every length is bounded by the file
size, nothing is executed). It answers what the model manager needs: architecture, layer and
head counts for the memory planner, quantization, context length, and whether a chat template
is present. A file whose tensor data runs past its end is reported as truncated.

Format (little-endian): ``b"GGUF"``, u32 version (2 or 3), u64 tensor count, u64 kv count,
then the KVs (string key, u32 type, value), then per tensor: name, u32 n_dims, u64 dims, u32
ggml type, u64 offset relative to the aligned start of the data section.
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.errors import ModelLoadError

GGUF_MAGIC = b"GGUF"
_MAX_STRING = 64 * 1024 * 1024      # longest string we accept (chat templates are a few KB)
_MAX_ARRAY_KEEP = 64                 # arrays longer than this are skipped, only their length kept
_MAX_DIMS = 8

# Value types of the KV section: struct format for the scalar ones.
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
_T_STRING, _T_ARRAY = 8, 9

# ggml tensor types → (elements per block, bytes per block); from ggml's type traits.
GGML_BLOCKS: dict[int, tuple[int, int]] = {
    0: (1, 4), 1: (1, 2), 2: (32, 18), 3: (32, 20), 6: (32, 22), 7: (32, 24), 8: (32, 34), 9: (32, 36),
    10: (256, 84), 11: (256, 110), 12: (256, 144), 13: (256, 176), 14: (256, 210), 15: (256, 292),
    16: (256, 66), 17: (256, 74), 18: (256, 98), 19: (256, 50), 20: (32, 18), 21: (256, 110),
    22: (256, 82), 23: (256, 136), 24: (1, 1), 25: (1, 2), 26: (1, 4), 27: (1, 8), 28: (1, 8),
    29: (256, 56), 30: (1, 2), 34: (256, 54), 35: (256, 66), 39: (32, 17),
}

# general.file_type → the quantization name people know (llama.h LLAMA_FTYPE_MOSTLY_*).
FILE_TYPES = {
    0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 10: "Q2_K",
    11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S",
    17: "Q5_K_M", 18: "Q6_K", 19: "IQ2_XXS", 20: "IQ2_XS", 21: "Q2_K_S", 22: "IQ3_XS",
    23: "IQ3_XXS", 24: "IQ1_S", 25: "IQ4_NL", 26: "IQ3_S", 27: "IQ3_M", 28: "IQ2_S", 29: "IQ2_M",
    30: "IQ4_XS", 31: "IQ1_M", 32: "BF16", 36: "TQ1_0", 37: "TQ2_0", 38: "MXFP4_MOE",
}


@dataclass(frozen=True)
class TensorInfo:
    name: str
    shape: tuple[int, ...]
    ggml_type: int
    offset: int            # relative to the data section

    @property
    def n_elements(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    @property
    def n_bytes(self) -> int | None:
        block = GGML_BLOCKS.get(self.ggml_type)
        if block is None:
            return None
        per, size = block
        return (self.n_elements + per - 1) // per * size


@dataclass
class GGUFInfo:
    path: Path
    version: int
    file_size: int
    metadata: dict[str, Any]
    tensors: list[TensorInfo] = field(repr=False)
    array_lengths: dict[str, int] = field(default_factory=dict, repr=False)

    # -- convenient views ------------------------------------------------------------------
    def _arch_key(self, suffix: str) -> Any:
        return self.metadata.get(f"{self.architecture}.{suffix}")

    @property
    def architecture(self) -> str:
        return str(self.metadata.get("general.architecture", "unknown"))

    @property
    def name(self) -> str | None:
        value = self.metadata.get("general.name")
        return str(value) if value is not None else None

    @property
    def context_length(self) -> int | None:
        return _int_or_none(self._arch_key("context_length"))

    @property
    def n_layers(self) -> int | None:
        return _int_or_none(self._arch_key("block_count"))

    @property
    def n_embd(self) -> int | None:
        return _int_or_none(self._arch_key("embedding_length"))

    @property
    def n_head(self) -> int | None:
        return _int_or_none(self._arch_key("attention.head_count"))

    @property
    def n_head_kv(self) -> int | None:
        value = _int_or_none(self._arch_key("attention.head_count_kv"))
        return value if value is not None else self.n_head

    @property
    def head_dim(self) -> int | None:
        value = _int_or_none(self._arch_key("attention.key_length"))
        if value is not None:
            return value
        if self.n_embd and self.n_head:
            return self.n_embd // self.n_head
        return None

    @property
    def quantization(self) -> str:
        ftype = self.metadata.get("general.file_type")
        if isinstance(ftype, int):
            return FILE_TYPES.get(ftype, f"type {ftype}")
        return "unknown"

    @property
    def chat_template(self) -> str | None:
        value = self.metadata.get("tokenizer.chat_template")
        return value if isinstance(value, str) else None

    @property
    def n_params(self) -> int:
        return sum(t.n_elements for t in self.tensors)

    @property
    def weights_bytes(self) -> int:
        return sum(t.n_bytes or 0 for t in self.tensors)

    def layer_bytes(self) -> tuple[int, int]:
        """(bytes of the repeating ``blk.N.*`` tensors, bytes of the rest: embeddings, output)."""
        in_layers = sum(t.n_bytes or 0 for t in self.tensors if t.name.startswith("blk."))
        return in_layers, self.weights_bytes - in_layers

    def summary(self) -> dict[str, Any]:
        return {
            "architecture": self.architecture, "name": self.name, "parameters": self.n_params,
            "quantization": self.quantization, "context_length": self.context_length,
            "layers": self.n_layers, "embedding": self.n_embd, "heads": self.n_head,
            "kv_heads": self.n_head_kv, "head_dim": self.head_dim,
            "chat_template": self.chat_template is not None, "file_size": self.file_size,
        }


def _int_or_none(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


class _Reader:
    """Bounded little-endian reads over a read-only memory map; any overrun is a truncated file."""

    def __init__(self, buf: "mmap.mmap | bytes", path: Path, size: int) -> None:
        self.buf, self.path, self.size, self.pos = buf, path, size, 0

    def _truncated(self, what: str) -> ModelLoadError:
        return ModelLoadError(
            f"The model file {self.path.name} is truncated or corrupt (it ends inside the {what}).",
            "Download or copy the file again; if it came from the hub, `hearth models pull` resumes and verifies it.")

    def read(self, n: int, what: str) -> bytes:
        if n < 0 or self.pos + n > self.size:
            raise self._truncated(what)
        data = self.buf[self.pos:self.pos + n]
        self.pos += n
        return bytes(data)

    def unpack(self, fmt: str, what: str) -> Any:
        n = struct.calcsize(fmt)
        if self.pos + n > self.size:
            raise self._truncated(what)
        value = struct.unpack_from(fmt, self.buf, self.pos)[0]
        self.pos += n
        return value

    def string(self, what: str) -> str:
        n = self.unpack("<Q", what)
        if n > _MAX_STRING:
            raise ModelLoadError(f"The model file {self.path.name} is corrupt: a {n}-byte string in the {what}.",
                                 "This is not a valid GGUF file.")
        return self.read(n, what).decode("utf-8", errors="replace")

    def skip(self, n: int, what: str) -> None:
        if n < 0 or self.pos + n > self.size:
            raise self._truncated(what)
        self.pos += n

    def skip_strings(self, count: int, what: str) -> None:
        """Skip ``count`` length-prefixed strings (token lists: ~100k of them) quickly."""
        buf, pos, size, unpack_from = self.buf, self.pos, self.size, struct.unpack_from
        for _ in range(count):
            if pos + 8 > size:
                raise self._truncated(what)
            pos += 8 + unpack_from("<Q", buf, pos)[0]
        if pos > size:
            raise self._truncated(what)
        self.pos = pos


def _read_value(r: _Reader, vtype: int, key: str, lengths: dict[str, int]) -> Any:
    if vtype in _SCALARS:
        return r.unpack(_SCALARS[vtype], f"value of {key}")
    if vtype == _T_STRING:
        return r.string(f"value of {key}")
    if vtype == _T_ARRAY:
        item_type = r.unpack("<I", f"array type of {key}")
        count = r.unpack("<Q", f"array length of {key}")
        lengths[key] = count
        if item_type in _SCALARS:
            width = struct.calcsize(_SCALARS[item_type])
            if count > _MAX_ARRAY_KEEP:
                r.skip(count * width, f"array {key}")
                return None
            return [r.unpack(_SCALARS[item_type], f"array {key}") for _ in range(count)]
        if item_type == _T_STRING:
            if count > _MAX_ARRAY_KEEP:  # token lists: skip without decoding
                r.skip_strings(count, f"array {key}")
                return None
            return [r.string(f"array {key}") for _ in range(count)]
        raise ModelLoadError(f"The model file {r.path.name} is corrupt: unsupported array type {item_type} in {key}.",
                             "This is not a valid GGUF file, or it needs a newer Hearth.")
    raise ModelLoadError(f"The model file {r.path.name} is corrupt: unknown value type {vtype} for {key}.",
                         "This is not a valid GGUF file, or it needs a newer Hearth.")


def read_gguf(path: Path | str) -> GGUFInfo:
    """Parse header, metadata and tensor table; raise :class:`ModelLoadError` with a clear message."""
    path = Path(path)
    try:
        size = path.stat().st_size
        fh = path.open("rb")
    except FileNotFoundError:
        raise ModelLoadError(f"The model file {path} does not exist.", "Check the path.") from None
    except OSError as exc:
        raise ModelLoadError(f"Cannot read the model file {path}: {exc.strerror}.", "Check its permissions.") from exc
    with fh:
        buf: mmap.mmap | bytes = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        try:
            return _parse(_Reader(buf, path, size), path, size)
        finally:
            if isinstance(buf, mmap.mmap):
                buf.close()


def _parse(r: _Reader, path: Path, size: int) -> GGUFInfo:
    """Header → KV metadata → tensor table → bounds check of the data section."""
    if size < 4 or r.read(4, "header") != GGUF_MAGIC:
        raise ModelLoadError(f"{path.name} is not a GGUF model file.",
                             "Hearth runs GGUF files (llama.cpp format); convert or download a .gguf.")
    version = r.unpack("<I", "header")
    if version not in (2, 3):
        raise ModelLoadError(f"{path.name} uses GGUF version {version}, which Hearth cannot read.",
                             "Use a file made by a recent llama.cpp (GGUF v2 or v3).")
    n_tensors = r.unpack("<Q", "header")
    n_kv = r.unpack("<Q", "header")
    # Each KV needs >= 12 bytes and each tensor >= 24: a bigger count cannot fit in the file.
    if n_kv * 12 > size or n_tensors * 24 > size:
        raise ModelLoadError(f"The model file {path.name} is corrupt (impossible header counts).",
                             "This is not a valid GGUF file.")
    metadata: dict[str, Any] = {}
    lengths: dict[str, int] = {}
    for _ in range(n_kv):
        key = r.string("metadata keys")
        vtype = r.unpack("<I", f"type of {key}")
        metadata[key] = _read_value(r, vtype, key, lengths)
    tensors: list[TensorInfo] = []
    for _ in range(n_tensors):
        name = r.string("tensor table")
        n_dims = r.unpack("<I", "tensor table")
        if n_dims > _MAX_DIMS:
            raise ModelLoadError(f"The model file {path.name} is corrupt (tensor {name} has {n_dims} dims).",
                                 "This is not a valid GGUF file.")
        shape = tuple(r.unpack("<Q", "tensor table") for _ in range(n_dims))
        ggml_type = r.unpack("<I", "tensor table")
        offset = r.unpack("<Q", "tensor table")
        tensors.append(TensorInfo(name, shape, ggml_type, offset))
    alignment = metadata.get("general.alignment", 32)
    if not isinstance(alignment, int) or alignment <= 0:
        alignment = 32
    data_start = (r.pos + alignment - 1) // alignment * alignment
    data_end = data_start + max(((t.offset + (t.n_bytes or 0)) for t in tensors), default=0)
    if tensors and data_end > size:
        missing = data_end - size
        raise ModelLoadError(
            f"The model file {path.name} is truncated: {missing:,} bytes of weights are missing "
            f"(the file has {size:,} of {data_end:,} bytes).",
            "The download or copy was cut short; fetch the file again.")
    return GGUFInfo(path=path, version=version, file_size=size, metadata=metadata, tensors=tensors,
                    array_lengths=lengths)
