"""`lmgame scan --engine ray`: each shard (a corpus file) scanned by an actor, its chunks stored as the local scan
stores them (engine.scan: the same keys, the same chunks, restarting at each file), then the catalogue made from
the stored chunks by the local path."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from engine.corpus import Shards, file_documents
from engine.models import LoadedModel
from engine.scan import DocumentScan, chunks_stored, scan_corpus
from games.ray_engine import ModelSpec, RayReport, RaySettings, ShardProgress, each_shard, first_line, run_shards
from games.scanning import ModelScan, ScanOptions, scan_key


class ScanWorker:
    """A Ray actor: the run's models, loaded once; scans the shards it is handed with each and stores the chunks."""

    def __init__(self, spec: ModelSpec, folder: str, options: ScanOptions, keys: list[str]) -> None:
        self.folder, self.options, self.keys = Path(folder), options, keys
        self.problem = ""  # why this actor cannot scan, said for each shard it is handed (raised here, Ray would
        # fail the whole pool with a traceback)
        try:
            self.models = spec.load()
        except Exception as error:  # noqa: BLE001 - the one line is the user's to read
            self.problem = f"a Ray actor could not load the models: {first_line(error)}"
            return
        if [scan_key(lm, options) for lm in self.models] != keys:  # another model under the same name there: its
            # chunks would lie
            self.problem = "a Ray actor loaded other models than this machine did under the same names"

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        return each_shard(batch, self.problem, lambda unit: self._scan(Path(unit["path"]), str(unit["name"])))

    def _scan(self, path: Path, name: str) -> int:
        """Scan one shard with each model, storing its chunks; the tokens scanned (not read from storage)."""
        texts = [d.text for d in file_documents(path, name=name)]
        counted: list[int] = []
        for lm, key in zip(self.models, self.keys, strict=True):
            scan_corpus(lm, texts, self.folder, key, self.options.max_context,
                        scanned=lambda scans: counted.append(scored_tokens(scans)))
        return sum(counted)


def scored_tokens(scans: list[DocumentScan]) -> int:
    return sum(int((scan.rank > 0).sum()) for scan in scans)


def ray_scan_models(models: Sequence[LoadedModel], spec: ModelSpec, shards: Shards, options: ScanOptions,
                    folder: Path, settings: RaySettings, progress: ShardProgress | None = None
                    ) -> tuple[list[ModelScan], RayReport]:
    """Each model's scan of every shard: the shards not stored whole computed by Ray actors, then all read from
    `folder` (a folder every node of the cluster reaches) as the local scan reads them. The shards are whole
    files (no --max-tokens)."""
    keys = [scan_key(lm, options) for lm in models]
    texts = [[d.text for d in shard] for shard in shards.documents]
    pending = [number for number, shard in enumerate(texts)
               if not all(chunks_stored(shard, folder, key) for key in keys)]
    report = RayReport(shards=len(texts), stored=len(texts) - len(pending))
    units = [{"shard": n, "path": str(shards.paths[n]), "name": shards.names[n]} for n in pending]
    arguments = {"spec": spec, "folder": str(folder), "options": options, "keys": keys}
    for row in run_shards(ScanWorker, arguments, units, settings, f"scanning {len(units)} shards", progress):
        report.computed += 1
        report.amount += int(row["amount"])
    documents = shards.flat
    return [ModelScan(lm, documents, scan_corpus(lm, [d.text for d in documents], folder, key, options.max_context,
                                                 shard_sizes=shards.sizes))
            for lm, key in zip(models, keys, strict=True)], report
