"""Scan and score on a Ray cluster (`--engine ray`). Ray Data hands the corpus's shards (its files) to a pool of
actors, each holding the run's models; each actor reads its shard itself and stores what it computes (scan chunks,
score entries) as soon as it is done, under keys that say what it depends on. A stopped run starts again at the
shards not stored, a damaged entry fails its checksum and is computed again, and the summaries are made from the
stored results by the local path's own code.

Ray is an optional extra ("lmgame[ray]"): it is imported here, when a run asks for it, and nowhere else.
"""

from __future__ import annotations

import contextlib
import logging
import os
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from engine.errors import LmgameError

RAY_EXTRA = 'pip install "lmgame[ray]"'
ShardProgress = Callable[[str, int, int], None]  # (stage, shards done, shards in all); may raise to stop


@dataclass(frozen=True)
class RaySettings:
    address: str | None = None  # None: start a local Ray instance for the run
    actors: int | None = None  # None: one per GPU of the cluster, else one per CPU (at most one per shard)

    def __post_init__(self) -> None:
        if self.actors is not None and self.actors < 1:
            raise LmgameError("--ray-actors must be at least 1")


@dataclass(frozen=True)
class ModelSpec:
    """What an actor loads: the run's models by name (None: the embedded one), on `device` in `dtype`."""

    names: tuple[str | None, ...]
    device: str
    dtype: str

    def load(self) -> list[Any]:
        from games.models import load_models

        return load_models(list(self.names), self.device, self.dtype, limit=len(self.names))


def model_names(names: Sequence[str | None]) -> tuple[str | None, ...]:
    """Names an actor in another working directory loads the same: a local folder as its absolute path."""
    return tuple(os.path.abspath(name) if name is not None and os.path.isdir(name) else name for name in names)


@dataclass
class RayReport:
    """What the distributed part of a run did, shard by shard."""

    shards: int = 0
    computed: int = 0  # shards an actor computed (some of their chunks may have been stored already)
    stored: int = 0  # shards read whole from storage
    work: str = "tokens"  # what `amount` counts
    amount: int = 0  # tokens (instances) the actors computed

    def said(self) -> str:
        return (f"Ray: {self.shards} shards, {self.computed} computed and {self.stored} read from storage; "
                f"{self.amount:,} {self.work} computed")


def import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise LmgameError(f"--engine ray needs Ray: {RAY_EXTRA}") from None
    return ray


@contextlib.contextmanager
def connected(settings: RaySettings) -> Iterator[Any]:
    """Ray, connected to the cluster at `settings.address` (or a local instance started for the run and stopped
    after it); a Ray already connected in this process is used as it is."""
    ray = import_ray()
    started = not ray.is_initialized()
    if started:
        try:
            ray.init(address=settings.address, include_dashboard=False, log_to_driver=False,
                     logging_level=logging.ERROR, configure_logging=True)
        except Exception as error:  # noqa: BLE001 - Ray raises many kinds; each means "no cluster here"
            where = settings.address or "a local instance"
            raise LmgameError(f"cannot start or reach Ray at {where}: {first_line(error)}") from None
    quiet_ray_data(ray)
    try:
        yield ray
    finally:
        if started:
            ray.shutdown()


def quiet_ray_data(ray: Any) -> None:
    """No progress bars or execution logs from Ray Data: lmgame draws its own bar."""
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    logging.getLogger("ray.data").setLevel(logging.ERROR)
    logging.getLogger("ray").setLevel(logging.ERROR)


def pool_size(ray: Any, settings: RaySettings, shards: int) -> tuple[int, int]:
    """(actors, GPUs per actor): `settings.actors`, or one actor per GPU of the cluster where it has GPUs, else one
    per CPU; never more actors than shards."""
    resources = ray.cluster_resources()
    gpus, cpus = int(resources.get("GPU", 0)), int(resources.get("CPU", 1))
    actors = settings.actors or (gpus if gpus else max(1, cpus))
    return max(1, min(actors, shards)), 1 if gpus else 0


def run_shards(worker: type, arguments: dict[str, Any], units: list[dict[str, Any]], settings: RaySettings,
               stage: str, progress: ShardProgress | None) -> Iterator[dict[str, Any]]:
    """Each unit (a shard to compute) through an actor pool of `worker(**arguments)`, as each one finishes; a
    shard whose worker failed raises its one-line error."""
    if not units:
        return
    with connected(settings) as ray:
        actors, gpus = pool_size(ray, settings, len(units))
        with warnings.catch_warnings():  # Ray 2.60 calls its own way to pass max_restarts deprecated
            warnings.simplefilter("ignore", DeprecationWarning)
            # an actor that dies fails its shard, which a re-run computes again (and Ray does not warn that it
            # might restart one whose arguments are gone)
            dataset = ray.data.from_items(units, override_num_blocks=len(units)).map_batches(
                worker, fn_constructor_kwargs=arguments, batch_size=1, compute=ray.data.ActorPoolStrategy(size=actors),
                num_cpus=0 if gpus else 1, num_gpus=gpus, max_restarts=0)
        said = f"{stage} on {actors} Ray actor{'s' * (actors != 1)}"
        if progress:
            progress(said, 0, len(units))
        try:
            for done, row in enumerate(dataset.iter_rows(), start=1):
                if row.get("error"):
                    raise LmgameError(str(row["error"]))
                if progress:
                    progress(said, done, len(units))
                yield row
        except ray.exceptions.RayError as error:  # an actor died (memory, a signal): what it stored is kept
            raise LmgameError(f"a Ray actor failed: {first_line(error)} (run the command again to go on from the "
                              "shards stored)") from None


def each_shard(batch: dict[str, Any], problem: str, compute: Callable[[dict[str, Any]], int]) -> dict[str, list[Any]]:
    """A worker's batch of shards as rows {shard, amount, error}: `compute(unit)` gives the work done on one shard
    (its tokens, its instances); `problem` (an actor that could not set up) or a failure is the shard's one line."""
    out: dict[str, list[Any]] = {"shard": [], "amount": [], "error": []}
    for values in zip(*batch.values(), strict=True):
        unit = dict(zip(batch, values, strict=True))
        amount, error = 0, problem
        try:
            if not error:
                amount = compute(unit)
        except Exception as failure:  # noqa: BLE001 - any failure is the shard's, said in one line
            error = shard_error(str(unit["path"]), failure)
        out["shard"].append(int(unit["shard"]))
        out["amount"].append(amount)
        out["error"].append(error)
    return out


def first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def shard_error(path: str, error: Exception) -> str:
    """A worker's failure as the one line the driver raises, naming the shard."""
    message = first_line(error)
    return message if path in message else f"{path}: {message}"
