from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from textual.app import App
    from textual.pilot import Pilot

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def shared(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: the tests read ../shared/data beside the repository")
    return path


async def settle(app: App[Any], pilot: Pilot[Any], wait: float = 0.0) -> None:
    """Let timers fire (debounced previews, pattern mining: `wait` seconds), then wait for every worker and for
    the messages it posted to be handled, three times over: handling one may start another worker."""
    if wait:
        await pilot.pause(wait)
    for _ in range(3):  # a worker that failed or was cancelled counts as done (Textual counts a cancelled one
        # done at once, whatever its thread is doing)
        await asyncio.gather(*(worker.wait() for worker in app.workers), return_exceptions=True)
        await pilot.pause()


def run(app: App[Any], script: Callable[[Pilot[Any]], Awaitable[None]], size: tuple[int, int] = (120, 40),
        wait: float = 0.0, notifications: bool = False) -> None:
    """Run `app` headless at `size`, settled (`wait` as for `settle`), then drive it with `script`."""

    async def main() -> None:
        async with app.run_test(size=size, notifications=notifications) as pilot:
            await settle(app, pilot, wait)
            await script(pilot)

    asyncio.run(main())


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test writes to the real user data directory, and none reaches for a hub."""
    home = tmp_path / "lmgame-home"
    monkeypatch.setenv("LMGAME_HOME", str(home))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return home


@pytest.fixture(scope="session")
def stories260k_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real pretrained stories260K (llama2.c format, ../shared) converted to a Hugging Face Llama folder."""
    from engine.llama2c import convert_llama2c

    out = tmp_path_factory.mktemp("stories260K-hf")
    return convert_llama2c(shared("stories260K", "stories260K.bin"), shared("stories260K", "tok512.model"), out)


@pytest.fixture(scope="session")
def stories260k(stories260k_dir: Path):
    from engine.models import load_model

    return load_model(str(stories260k_dir))


@pytest.fixture(scope="session")
def default_lm():
    from engine.models import load_model

    return load_model(None)


@pytest.fixture(scope="session")
def gpt2_tokenizer():
    from transformers import GPT2Tokenizer

    return GPT2Tokenizer.from_pretrained(str(shared("gpt2-tokenizer")))
