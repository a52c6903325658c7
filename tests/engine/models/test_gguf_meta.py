"""The pure GGUF reader: real metadata of SmolLM2, and clear errors on bad files."""

from __future__ import annotations

import struct
import time
from pathlib import Path

import pytest

from engine.errors import ModelLoadError
from engine.models.gguf_meta import read_gguf


def _head(src: Path, dst: Path, n: int) -> Path:
    with src.open("rb") as fh:
        dst.write_bytes(fh.read(n))
    return dst


def test_reads_real_smollm2_metadata_without_loading_weights(starter_gguf: Path) -> None:
    t0 = time.perf_counter()
    info = read_gguf(starter_gguf)
    elapsed = time.perf_counter() - t0
    assert info.architecture == "llama"
    assert info.n_layers == 30
    assert info.n_embd == 576
    assert info.n_head == 9 and info.n_head_kv == 3 and info.head_dim == 64
    assert info.context_length == 8192
    assert info.quantization == "Q4_1"
    assert info.chat_template is not None and "<|im_start|>" in info.chat_template
    assert info.metadata["general.license"] == "apache-2.0"
    assert info.array_lengths["tokenizer.ggml.tokens"] == 49152
    # SmolLM2-135M: ~135M parameters; weights are most of the 98 MB file.
    assert 130e6 < info.n_params < 140e6
    assert 0.9 * info.file_size < info.weights_bytes < info.file_size
    layers, other = info.layer_bytes()
    assert layers > 0 and other > 0 and layers + other == info.weights_bytes
    # a reader, not a loader: far less than reading 98 MB of weights would take on this box
    assert elapsed < 5


def test_truncated_inside_weights_is_a_clear_error(starter_gguf: Path, tmp_path: Path) -> None:
    bad = _head(starter_gguf, tmp_path / "cut.gguf", 60_000_000)
    with pytest.raises(ModelLoadError, match="truncated") as err:
        read_gguf(bad)
    assert "bytes of weights are missing" in str(err.value)
    assert err.value.hint


def test_truncated_inside_metadata_is_a_clear_error(starter_gguf: Path, tmp_path: Path) -> None:
    bad = _head(starter_gguf, tmp_path / "cut.gguf", 500_000)  # inside the token list
    with pytest.raises(ModelLoadError, match="truncated or corrupt"):
        read_gguf(bad)


def test_not_a_gguf_file(tmp_path: Path) -> None:
    p = tmp_path / "notes.gguf"
    p.write_text("hello, I am a text file")
    with pytest.raises(ModelLoadError, match="not a GGUF model file"):
        read_gguf(p)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="does not exist"):
        read_gguf(tmp_path / "nope.gguf")


def test_unsupported_version(tmp_path: Path) -> None:
    p = tmp_path / "v9.gguf"
    p.write_bytes(b"GGUF" + struct.pack("<IQQ", 9, 0, 0))
    with pytest.raises(ModelLoadError, match="version 9"):
        read_gguf(p)


def test_hostile_counts_and_lengths_are_refused_without_allocating(tmp_path: Path) -> None:
    huge_counts = tmp_path / "counts.gguf"
    huge_counts.write_bytes(b"GGUF" + struct.pack("<IQQ", 3, 2**60, 2**60))
    with pytest.raises(ModelLoadError, match="impossible header counts"):
        read_gguf(huge_counts)
    huge_string = tmp_path / "string.gguf"
    huge_string.write_bytes(b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + struct.pack("<Q", 2**40) + b"x" * 64)
    with pytest.raises(ModelLoadError, match="corrupt"):
        read_gguf(huge_string)


def test_minimal_valid_file_without_tensors(tmp_path: Path) -> None:
    def kv_str(key: str, value: str) -> bytes:
        k, v = key.encode(), value.encode()
        return struct.pack("<Q", len(k)) + k + struct.pack("<I", 8) + struct.pack("<Q", len(v)) + v

    def kv_u32(key: str, value: int) -> bytes:
        k = key.encode()
        return struct.pack("<Q", len(k)) + k + struct.pack("<II", 4, value)

    body = kv_str("general.architecture", "qwen2") + kv_u32("qwen2.block_count", 24) + kv_u32("general.file_type", 15)
    p = tmp_path / "tiny.gguf"
    p.write_bytes(b"GGUF" + struct.pack("<IQQ", 3, 0, 3) + body)
    info = read_gguf(p)
    assert info.architecture == "qwen2" and info.n_layers == 24 and info.quantization == "Q4_K_M"
    assert info.chat_template is None and info.n_params == 0
