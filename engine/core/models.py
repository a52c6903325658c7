"""Model operations of the core: the one model-list builder, downloads, imports, removal, fit.

``hearth models …`` and the app's Models window both show what :meth:`ModelOps.listing` builds,
so a fit verdict or an "installed" badge cannot differ between them. Everything here may touch
the disk or the hub (only ``pull``, ``search_hub`` and ``hub_files``, and only when asked): call
it from a worker thread in the app.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from engine.core.types import CatalogRow, InstalledRow, ModelListing, PartialDownload
from engine.errors import HearthError, ModelNotFound

if TYPE_CHECKING:
    from engine.config import Config
    from engine.models.catalog import CatalogEntry
    from engine.models.download import HubFileRef, Progress, PullResult
    from engine.models.fit import FitPlan
    from engine.models.importer import LinkMode
    from engine.models.hardware import Hardware
    from engine.models.registry import InstalledModel
    from engine.models.speed import Calibration


def human_bytes(n: int | float) -> str:
    from engine.models.storage import human_bytes as _human

    return _human(n)


def hardware_text(hw: Hardware, n_ctx: int) -> str:
    gpu = hw.best_gpu
    return (f"This computer: {hw.cpu_physical} CPU cores, {human_bytes(hw.ram_available)} of "
            f"{human_bytes(hw.ram_total)} memory free, " + (f"GPU {gpu.name}" if gpu else "no GPU Hearth can use")
            + f" · fit figures for a {n_ctx}-token context")


class ModelOps:
    """``core.models``: see module doc. ``config`` is read at each call (settings may change)."""

    def __init__(self, config: Callable[[], Config]) -> None:
        self._config = config

    # -- listing ------------------------------------------------------------------------------------
    def listing(self, *, catalog: bool = True, hw: Hardware | None = None, n_ctx: int | None = None) -> ModelListing:
        """Installed models (starter first), the catalog with fit and speed on this computer, and
        partial downloads — the one builder behind `hearth models list` and the Models window.
        Speeds need the one-time measurement (:meth:`calibrate`); without it ``speed`` is None."""
        from engine.models.catalog import load_catalog
        from engine.models.hardware import probe

        cfg = self._config()
        n_ctx = n_ctx or cfg.model.n_ctx
        hw = hw or probe()
        installed = self.installed(default=cfg.model.default)
        partials = self.partial_downloads()
        cal = self.calibration(hw) if catalog else None
        rows: list[CatalogRow] = []
        if catalog:
            from engine.models.fit import plan_entry
            from engine.models.speed import estimate_plan

            # the bundled starter is not a hub copy: it does not make the catalog entry "installed"
            have = {r.catalog_id for r in installed if r.catalog_id and r.source != "starter"}
            by_id = {r.id: r for r in installed}
            part = {p.sha256: p.have_bytes for p in partials}
            for e in load_catalog():
                local = Path(by_id[e.id].path) if e.id in by_id and by_id[e.id].present else None
                plan = plan_entry(e, hw, n_ctx, local)
                rows.append(CatalogRow(e, plan, e.id in have,
                                       part.get(e.expected_sha256, 0) if e.expected_sha256 else 0,
                                       estimate_plan(plan, cal, hw) if cal is not None else None))
        text = hardware_text(hw, n_ctx)
        if cal is not None:
            text += (f" · speeds from a one-time measurement: memory {cal.bandwidth_bps / 1e9:.0f} GB/s, "
                     f"starter model {cal.starter_tps:.0f} tokens/s")
        return ModelListing(hw, text, n_ctx, cfg.model.default, installed, rows, partials, calibrated=cal is not None)

    # -- speed ------------------------------------------------------------------------------------
    def calibration(self, hw: Hardware | None = None) -> Calibration | None:
        """The cached speed measurement of this computer for the settings' thread count, or None."""
        from engine.models.hardware import probe
        from engine.models.speed import load_calibration, machine_key

        return load_calibration(machine_key(hw or probe(), self._config().model.n_threads))

    def calibrate(self) -> Calibration:
        """Measure this computer once (memory bandwidth, the starter's speed; a few seconds,
        cached): what the speed estimates are based on."""
        from engine.models.hardware import probe
        from engine.models.speed import calibrate

        return calibrate(probe(), self._config().model.n_threads)

    @staticmethod
    def records() -> list[Any]:
        """The registry's records (``engine.models.registry.ModelRecord``), the starter first."""
        from engine.models.registry import records, starter_record

        return [r for r in [starter_record(), *records()] if r is not None]

    def installed(self, *, default: str | None = None) -> list[InstalledRow]:
        default = default if default is not None else self._config().model.default
        out = []
        for r in self.records():
            path = Path(r.path)
            present = path.is_file()
            size = path.stat().st_size if present else 0
            out.append(InstalledRow(r.id, str(path), r.source, size, present, bool(r.verified), r.id == default,
                                    r.catalog_id))
        return out

    @staticmethod
    def partial_downloads() -> list[PartialDownload]:
        from engine.models.download import partial_downloads

        return [PartialDownload(str(m.get("repo", "")), str(m.get("file", "")), str(m.get("sha256", "")),
                                int(m.get("have", 0)), int(m.get("size", 0) or 0))
                for _part, m in partial_downloads()]

    # -- one model ----------------------------------------------------------------------------------
    @staticmethod
    def catalog_entry(model_id: str) -> CatalogEntry:
        from engine.models.catalog import load_catalog

        return load_catalog().get(model_id)

    @staticmethod
    def resolve(model_id: str) -> InstalledModel:
        from engine.models.registry import resolve_model

        return resolve_model(model_id)

    @staticmethod
    def info(model: str) -> dict[str, Any]:
        """Facts about a catalog id, an installed model or a .gguf path (sections: catalog,
        installed, gguf)."""
        from dataclasses import asdict

        from engine.models.catalog import load_catalog
        from engine.models.gguf_meta import read_gguf
        from engine.models.registry import record_for

        info: dict[str, Any] = {}
        entry = load_catalog().find(model)
        if entry is not None:
            info["catalog"] = entry.model_dump()
        record = record_for(model)
        path = Path(record.path) if record and record.present else None
        if record is not None:
            info["installed"] = asdict(record)
        if path is None and model.endswith(".gguf") and Path(model).expanduser().is_file():
            path = Path(model).expanduser()
        if path is not None:
            info["gguf"] = read_gguf(path).summary()
        if not info:
            raise ModelNotFound(f"'{model}' is neither in the catalog, installed, nor a .gguf file.",
                                "See `hearth models list` and `hearth models list --catalog`.")
        return info

    def fit(self, models: list[str] | None = None, *, n_ctx: int | None = None, vram_gb: float | None = None,
            ram_gb: float | None = None) -> tuple[Hardware, int, list[tuple[str, FitPlan]]]:
        """Will each model run here? ``vram_gb``/``ram_gb`` pretend this computer had that much."""
        from engine.models.catalog import load_catalog
        from engine.models.fit import ModelShape, plan, plan_entry
        from engine.models.gguf_meta import read_gguf
        from engine.models.hardware import GPU, GiB, probe
        from engine.models.registry import record_for

        hw = probe()
        if ram_gb is not None:
            hw = replace(hw, ram_available=int(ram_gb * GiB))
        if vram_gb is not None:
            hw = replace(hw, gpus=(GPU("simulated GPU", int(vram_gb * GiB), int(vram_gb * GiB), "sim"),),
                         gpu_offload=True)
        n_ctx = n_ctx or self._config().model.n_ctx
        catalog = load_catalog()
        plans = []
        for name in models or [e.id for e in catalog]:
            entry = catalog.find(name)
            record = record_for(name)
            local = Path(record.path) if record and record.present else None
            if entry is not None:
                p = plan_entry(entry, hw, n_ctx, local)
            elif local is not None or name.endswith(".gguf"):
                p = plan(ModelShape.from_gguf(read_gguf(local or Path(name).expanduser())), hw, n_ctx)
            else:
                raise ModelNotFound(f"No model called '{name}' in the catalog or installed.",
                                    "See `hearth models list --catalog`.")
            plans.append((name, p))
        return hw, n_ctx, plans

    # -- the hub (only when the person asked) ---------------------------------------------------------
    @staticmethod
    def search_hub(query: str, limit: int = 20) -> list[Any]:
        from engine.models import hub

        return list(hub.search(query, limit=limit))

    @staticmethod
    def hub_files(repo: str) -> list[Any]:
        from engine.models import hub

        return list(hub.list_gguf_files(repo))

    def rate_hub_files(self, repo: str) -> list[Any]:
        """The GGUF files of a hub repo, each with its quantisation, fit and speed here
        (``engine.models.quant_choice.FileChoice``), smallest first."""
        from engine.models.catalog import load_catalog
        from engine.models.hardware import probe
        from engine.models.quant_choice import rate_files

        files = self.hub_files(repo)
        hw = probe()
        return list(rate_files(repo, files, hw, self._config().model.n_ctx, load_catalog(), self.calibration(hw)))

    @staticmethod
    def hub_file(repo: str, file: str, revision: str | None = None) -> HubFileRef:
        from engine.models.download import HubFileRef

        return HubFileRef.from_hub(repo, file, revision)

    def pull(self, target: CatalogEntry | HubFileRef | str, *, progress: Callable[[Progress], None] | None = None,
             cancel: threading.Event | None = None, restart: bool = False) -> PullResult:
        """Download and verify a catalog model (by id or entry) or a hub file; resumable."""
        from engine.models.download import Downloader

        entry = self.catalog_entry(target) if isinstance(target, str) else target
        if restart:  # drop any partial download of this repo file, whatever hash it was for
            for p in self.partial_downloads():
                if p.repo == entry.repo and p.file == entry.file:
                    self.discard_partial(p.sha256)
        return Downloader().pull_detailed(entry, progress=progress, cancel=cancel)

    @staticmethod
    def discard_partial(sha256: str) -> None:
        from engine.models.download import discard_partial

        discard_partial(sha256)

    # -- local files ----------------------------------------------------------------------------------
    @staticmethod
    def import_gguf(path: str | Path, *, mode: LinkMode = "copy", model_id: str | None = None,
                    cancel: threading.Event | None = None) -> tuple[InstalledModel, dict[str, Any]]:
        """Register a local .gguf (copied, or linked); returns the model and its GGUF summary."""
        from engine.models.importer import import_gguf

        model, info = import_gguf(path, mode=mode, model_id=model_id, cancel=cancel)
        return model, info.summary()

    def remove(self, model_id: str) -> int:
        """Delete an installed model's file; refuses the model in use. Returns bytes freed."""
        from engine.models.registry import remove_model

        if model_id == self._config().model.default:
            raise HearthError(f"{model_id} is the model in use.", "Pick another default model first, then delete it.")
        return remove_model(model_id)
