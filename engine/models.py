"""Loading any Hugging Face causal LM (hub id, local directory, or the embedded default model)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict
from urllib.parse import urlparse

import torch

from engine.errors import LmgameError

if TYPE_CHECKING:  # transformers loads in seconds: only load_model imports it, when a model is asked for
    from transformers import PretrainedConfig, PreTrainedModel, PreTrainedTokenizerBase

DEFAULT_MODEL_NAME = "lmgame-default"
DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin", "model.safetensors.index.json")
_HUB_ID = re.compile(r"^[\w.-]+(/[\w.-]+)?$")


def default_model_dir() -> Path:
    """The embedded default model, shipped inside the package."""
    return Path(__file__).resolve().parent / "default_model"


@dataclass(frozen=True)
class ModelIdentity:
    """What a result was computed with: travels with every result and keys every cache."""

    name: str
    source: str
    revision: str
    architecture: str
    dtype: str

    @property
    def label(self) -> str:
        return f"{self.name}@{self.revision[:10]}"

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass
class LoadedModel:
    identity: ModelIdentity
    model: PreTrainedModel  # in eval mode
    tokenizer: PreTrainedTokenizerBase
    device: torch.device

    @property
    def max_positions(self) -> int:
        config = self.model.config
        for key in ("n_positions", "max_position_embeddings", "n_ctx"):
            value = getattr(config, key, None)
            if isinstance(value, int) and value > 0:
                return value
        return 2048

    @property
    def bos_id(self) -> int | None:
        bos = self.tokenizer.bos_token_id
        return bos if isinstance(bos, int) else None


def resolve_device(device: str = "auto") -> torch.device:
    if device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    try:
        resolved = torch.device(device)
    except RuntimeError as error:
        raise LmgameError(f"unknown device {device!r}: use auto, cpu, cuda or mps") from error
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise LmgameError("device cuda was asked for, but torch sees no CUDA GPU here")
    if resolved.type == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise LmgameError("device mps was asked for, but this torch has no Apple GPU (MPS) support here")
    return resolved


def has_fast_bfloat16(device: torch.device) -> bool:
    """bfloat16 matmuls in hardware: a CUDA GPU that supports them, or a CPU with AMX or AVX-512 BF16."""
    if device.type == "cuda":
        return bool(torch.cuda.is_bf16_supported())
    if device.type == "cpu":
        try:
            flags = Path("/proc/cpuinfo").read_text()
        except OSError:
            return False
        return any(flag in flags for flag in (" amx_bf16", " avx512_bf16"))
    return False


def resolve_dtype(dtype: str, device: torch.device) -> torch.dtype:
    """`auto` is float32 (exact: play); `fast` is bfloat16 where the hardware has it (batch scoring)."""
    if dtype == "auto":
        return torch.float32
    if dtype == "fast":
        return torch.bfloat16 if has_fast_bfloat16(device) else torch.float32
    if dtype not in DTYPES:
        raise LmgameError(f"unknown dtype {dtype!r}: use auto, fast, {', '.join(DTYPES)}")
    return DTYPES[dtype]


def tokenizer_fingerprint(tokenizer: PreTrainedTokenizerBase) -> str:
    """A short hash of everything that decides how a tokenizer splits text (vocabulary, merges, normalizer)."""
    cached = getattr(tokenizer, "_lmgame_fingerprint", None)
    if isinstance(cached, str):
        return cached
    backend = getattr(tokenizer, "backend_tokenizer", None)
    basis = backend.to_str() if backend is not None else json.dumps(sorted(tokenizer.get_vocab().items()))
    fingerprint = hashlib.sha256(f"{type(tokenizer).__name__}\0{basis}".encode()).hexdigest()[:16]
    tokenizer._lmgame_fingerprint = fingerprint
    return fingerprint


def weights_hash(folder: Path) -> str:
    """A short sha256 of a local model's weight files: its revision when it has no hub commit."""
    digest = hashlib.sha256()
    for name in sorted(os.listdir(folder)):
        if name.endswith((".safetensors", ".bin")) and not name.startswith("training_args"):
            with open(folder / name, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
    return digest.hexdigest()[:16]


def _hub_commit(folder: Path) -> str | None:
    """The commit of a folder inside the Hugging Face cache (…/snapshots/<commit>)."""
    if folder.parent.name == "snapshots" and re.fullmatch(r"[0-9a-f]{40}", folder.name):
        return folder.name
    return None


def hub_cache_dir() -> str:
    """The Hugging Face cache, read when asked (huggingface_hub reads HF_HUB_CACHE once, at import)."""
    from huggingface_hub import constants

    return os.environ.get("HF_HUB_CACHE") or constants.HF_HUB_CACHE


def _cached_hub_folder(name: str) -> Path | None:
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(name, "config.json", cache_dir=hub_cache_dir())
    return Path(found).parent if isinstance(found, str) else None


def hub_reachable(timeout: float = 3.0) -> bool:
    """A quick check that the hub's host answers, so that an offline machine fails fast instead of retrying."""
    if os.environ.get("HF_HUB_OFFLINE", "") not in ("", "0"):
        return False
    host = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co")).hostname or "huggingface.co"
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
    except OSError:
        return False
    return True


def locate_model(name: str | None) -> tuple[str, Path | None]:
    """(display name, local folder); the folder is None for a hub id that must be downloaded."""
    if name is None or name in ("default", DEFAULT_MODEL_NAME):
        return DEFAULT_MODEL_NAME, default_model_dir()
    path = Path(name).expanduser()
    if path.exists():
        if not path.is_dir():
            raise LmgameError(f"{name} is a file, not a model directory (a folder with config.json)")
        if not (path / "config.json").exists():
            raise LmgameError(f"{name} is not a model directory: it has no config.json")
        return path.resolve().name, path.resolve()
    if name.startswith((".", "/", "~")) or not _HUB_ID.match(name):
        raise LmgameError(f"model directory not found: {name}")
    return name, _cached_hub_folder(name)


def _is_causal_lm(config: PretrainedConfig) -> bool:
    """By the architectures the config names, where it names any (a BERT masked LM has a causal class in the
    auto mapping, but is not one), else by its model type."""
    from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES

    if "AutoModelForCausalLM" in (getattr(config, "auto_map", None) or {}):
        return True
    architectures = getattr(config, "architectures", None) or []
    if architectures:
        causal = set(MODEL_FOR_CAUSAL_LM_MAPPING_NAMES.values())
        return any(a in causal or a.endswith(("ForCausalLM", "LMHeadModel")) for a in architectures)
    return str(config.model_type) in MODEL_FOR_CAUSAL_LM_MAPPING_NAMES


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}".rstrip(": ")


def load_model(name: str | None = None, device: str = "auto", dtype: str = "auto") -> LoadedModel:
    """Load a causal LM and its tokenizer by hub id, local directory, or None for the default model."""
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    display, folder = locate_model(name)
    torch_device = resolve_device(device)
    torch_dtype = resolve_dtype(dtype, torch_device)
    source = str(folder) if folder is not None else str(name)
    local = folder is not None
    if not local and not hub_reachable():
        offline = os.environ.get("HF_HUB_OFFLINE", "") not in ("", "0")
        why = "hub access is off (HF_HUB_OFFLINE)" if offline else "the Hugging Face hub cannot be reached from here"
        raise LmgameError(f"unknown model {name!r}: not a local directory, not in the Hugging Face cache, and {why}")
    try:
        config = AutoConfig.from_pretrained(source, local_files_only=local)
    except Exception as error:  # noqa: BLE001 - transformers raises many kinds for one meaning: no config
        if local:
            why = _first_line(error)
            raise LmgameError(f"{source} has a config.json that transformers cannot read ({why})") from None
        raise LmgameError(f"unknown model {name!r}: not a local directory, and not found on the hub") from None
    if not _is_causal_lm(config):
        kind = ", ".join(getattr(config, "architectures", None) or [getattr(config, "model_type", "unknown")])
        raise LmgameError(f"{name} is not a causal language model (its config says {kind})")
    try:
        model = AutoModelForCausalLM.from_pretrained(source, dtype=torch_dtype, local_files_only=local)
    except OSError:
        raise LmgameError(f"{name} has a config.json but no weights transformers can load") from None
    except Exception as error:  # noqa: BLE001 - corrupt weights, shapes that do not match the config, ...
        raise LmgameError(f"{name} could not be loaded: {_first_line(error)}") from None
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=local)
    except Exception as error:  # noqa: BLE001 - any failure means: no usable tokenizer
        raise LmgameError(f"{name} has no tokenizer that transformers can load ({_first_line(error)})") from None
    if not tokenizer.encode("a", add_special_tokens=False):
        raise LmgameError(f"{name} has no usable tokenizer: it turns text into no tokens (tokenizer files missing?)")
    try:
        model.to(torch_device).eval()  # type: ignore[arg-type]  # transformers' @wraps(Module.to) drops `self`
    except Exception as error:  # noqa: BLE001 - any failure means: it does not fit or run there
        raise LmgameError(f"{name} could not be moved to {torch_device}: {_first_line(error)}") from None
    if folder is None:
        folder = _cached_hub_folder(str(name))
    revision = (_hub_commit(folder) if folder else None) or (weights_hash(folder) if folder else "unknown")
    identity = ModelIdentity(
        name=display,
        source=source,
        revision=revision,
        architecture=type(model).__name__,
        dtype=str(torch_dtype).removeprefix("torch."),
    )
    return LoadedModel(identity, model, tokenizer, torch_device)


class CachedModel(TypedDict):
    name: str
    revision: str
    path: str
    size_bytes: int


def cached_hub_models() -> list[CachedModel]:
    """Causal LMs (by config) in the local Hugging Face cache, without touching the network."""
    try:
        from huggingface_hub import scan_cache_dir
        from huggingface_hub.errors import CacheNotFound
    except ImportError:
        return []
    try:
        cache = scan_cache_dir(hub_cache_dir())
    except (CacheNotFound, OSError):
        return []
    found: list[CachedModel] = []
    for repo in sorted(cache.repos, key=lambda r: r.repo_id):
        if repo.repo_type != "model":
            continue
        for revision in repo.revisions:
            if any(f.file_name == "config.json" for f in revision.files):
                found.append(
                    {"name": repo.repo_id, "revision": revision.commit_hash, "path": str(revision.snapshot_path),
                     "size_bytes": repo.size_on_disk}
                )
                break
    return found
