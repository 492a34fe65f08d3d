"""The scan screen: a scanned document coloured by rank (as GLTR does) or by two models' log-probability
difference, the groups of unexplained confident-correct positions, each model's top-k at a selected token,
and promotion of a group to a candidate."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker

from engine.errors import LmgameError
from games.numbers import probability
from games.rules import rank_bucket
from games.scanning import Group, ModelScan, ScanView, promote_group
from tui.literal import literal, pictured, token_shown
from tui.model_lock import MODELS
from tui.screens.lmgame_screen import LmgameScreen
from tui.setup import PlaySetup

RANK_STYLES = {"top1": Style(bgcolor="dark_green"), "top10": Style(bgcolor="yellow4"),
               "top100": Style(bgcolor="dark_red"), "rest": Style(bgcolor="purple4")}
LEGEND = {"top1": "top 1", "top10": "top 10", "top100": "top 100", "rest": "beyond"}
SELECTED = Style(reverse=True, bold=True)
WINDOW_CHARS = 3000  # of a long document, the part around the selected token is drawn
TOP_K = 5
TOKEN_KEYS, TEXT_KEYS = Binding.Group("Token"), Binding.Group("Text")


@dataclass
class TopK(Message):
    """Each model's top-k at token `key` (document, index), as lines to show."""

    key: tuple[int, int]
    lines: Text


def difference_style(diff: float) -> Style:
    """Blue where the first model gives the text's token more log-probability, red where the second does."""
    if math.isnan(diff):
        return Style()
    strength = min(1.0, abs(diff) / 4)
    level = int(40 + 140 * strength)
    return Style(bgcolor=f"rgb(0,0,{level})" if diff > 0 else f"rgb({level},0,0)")


class ScanScreen(LmgameScreen[None]):
    HELP_MODE = "scan"
    BINDINGS: ClassVar[list[BindingType]] = [
        # the footer shows each pair's keys under one word, so that all fit 80 columns; ← and → go before the
        # groups list's own (it would scroll sideways), so that the footer shows them
        Binding("left", "move(-1)", "Token ←", id="scan-token-back", group=TOKEN_KEYS, priority=True),
        Binding("right", "move(1)", "Token →", id="scan-token-on", group=TOKEN_KEYS, priority=True),
        Binding("left_square_bracket", "document(-1)", "Text ←", id="scan-text-back", group=TEXT_KEYS),
        Binding("right_square_bracket", "document(1)", "Text →", id="scan-text-on", group=TEXT_KEYS),
        Binding("n", "example(1)", "Next example", id="scan-next-example"),
        Binding("d", "toggle_difference", "Difference", id="scan-difference", tooltip="Colour by difference"),
        Binding("ctrl+p", "promote", "Promote", id="scan-promote", tooltip="Promote the group"),
    ]

    def __init__(self, setup: PlaySetup, view: ScanView) -> None:
        super().__init__()
        self.setup = setup
        self.view = view
        self.document = 0
        self.index = 0
        self.group: Group | None = None
        self.example = 0
        self.difference = False
        self.shown: dict[tuple[int, int], Text] = {}
        self.top_k_key: tuple[int, int] | None = None  # the token whose top-k was asked for last

    @property
    def main(self) -> ModelScan:
        return self.view.scans[0]

    def all_groups(self) -> list[tuple[str, Group]]:
        named = [("unexplained", g) for g in self.view.groups]
        return named + [(title, g) for title, groups in self.view.compare_groups for g in groups]

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static(self._summary(), id="scan-summary")
        with Horizontal(id="scan-body"):
            yield OptionList(*self._group_options(), id="scan-groups")
            with Vertical(id="scan-right"):
                with VerticalScroll(id="scan-document"):
                    yield Static(id="scan-text")
                yield Static(id="scan-legend")
                yield Static(id="scan-token")
        yield Footer()

    def _summary(self) -> Text:
        """The counts, and with a second model which share of each model's tokens is compared, on a line of its own
        (each line literal: model names are the user's)."""
        summary = literal(self.view.summary)
        if self.view.compared:
            summary.append("\n")
            summary.append_text(literal(self.view.compared))
        return summary

    def _group_options(self) -> list[Option]:
        """One line a group (count, feature, key, share a bigram predicts too), under a heading per kind."""
        options, heading = [], None
        for number, (title, group) in enumerate(self.all_groups()):
            if title != heading:
                heading = title
                options.append(Option(literal(f"── {title} ──"), disabled=True))
            share = group.ngram / max(group.count, 1)
            line = f"{group.count:>5} {group.feature[:14]:<14} {token_shown(group.key)[:14]:<14} {share:>4.0%}"
            options.append(Option(literal(line), id=str(number)))
        return options

    def on_mount(self) -> None:
        self.title = pictured("scan · " + " | ".join(s.lm.identity.label for s in self.view.scans))
        groups = self.query_one("#scan-groups", OptionList)
        groups.border_title = "groups · Enter: examples"
        groups.border_subtitle = "count, feature, key, bigram too"
        self.query_one("#scan-document").border_title = "text"
        self._show()

    # --- navigation

    def action_move(self, step: int) -> None:
        size = len(self.main.scans[self.document].ids)
        if size:
            self.index = max(0, min(size - 1, self.index + step))
            self._show()

    def action_document(self, step: int) -> None:
        self.document = (self.document + step) % len(self.main.documents)
        self.index = 0
        self._show()

    def action_toggle_difference(self) -> None:
        if len(self.view.scans) < 2:
            self.notify("colouring by difference needs a second model: scan with --compare", severity="warning")
            return
        self.difference = not self.difference
        self._show()

    @on(OptionList.OptionSelected, "#scan-groups")
    def jump_to_group(self, event: OptionList.OptionSelected) -> None:
        self.group = self.all_groups()[int(event.option.id or 0)][1]
        self.example = -1
        self.action_example(1)

    def action_example(self, step: int) -> None:
        if self.group is None or not self.group.positions:
            self.notify("choose a group first (Enter on it)", severity="warning")
            return
        self.example = (self.example + step) % len(self.group.positions)
        self.document, self.index = self.group.positions[self.example]
        self._show()

    def action_promote(self) -> None:
        if self.group is None:
            self.notify("choose a group first (Enter on it)", severity="warning")
            return
        from tui.screens.promote import PromoteScreen

        try:
            proposal = promote_group(self.main, self.group)
        except LmgameError as error:
            self.notify(str(error), severity="error")
            return
        from games.scanning import group_rows

        self.app.push_screen(PromoteScreen(self.setup, proposal, group_rows(self.main, self.group.positions)))

    # --- drawing

    def _scan_of(self, scan: ModelScan) -> Any:
        return scan.scans[self.document]

    def _show(self) -> None:
        document = self.main.documents[self.document]
        self.query_one("#scan-document").border_title = literal(f"text {self.document + 1}/{len(self.main.documents)}: "
                                                                f"{document.title or document.id}")
        shown = self._document_text()
        self.query_one("#scan-text", Static).update(shown)
        self.call_after_refresh(self._follow_selection, shown)
        self.query_one("#scan-legend", Static).update(self._legend())
        key = (self.document, self.index)
        self.query_one("#scan-token", Static).update(self.shown.get(key) or self._token_summary())
        if key not in self.shown:
            self.top_k_key = key
            self._top_k(key)

    def _follow_selection(self, shown: Text) -> None:
        """Scroll the text so that the selected token is in view: where it has gone out of view, to a third of
        the way down (its line found by wrapping the text as the pane does)."""
        pane = self.query_one("#scan-document", VerticalScroll)
        width, height = self.query_one("#scan-text", Static).content_size.width, pane.scrollable_content_region.height
        if not width or not height:
            return
        lines = shown.wrap(self.app.console, width)
        line = next((y for y, text in enumerate(lines) if any(span.style == SELECTED for span in text.spans)), 0)
        if not pane.scroll_y <= line < pane.scroll_y + height:
            pane.scroll_to(y=max(0, line - height // 3), animate=False)

    def _legend(self) -> Text:
        if self.difference:
            mine, other = pictured(self.main.lm.identity.name), pictured(self.view.scans[1].lm.identity.name)
            return Text.assemble("log p difference: ", (f" {mine} higher ", difference_style(3)),
                                 " ", (f" {other} higher ", difference_style(-3)))
        legend = Text(f"rank under {pictured(self.main.lm.identity.name)}: ")
        for bucket, label in LEGEND.items():
            legend.append(f" {label} ", RANK_STYLES[bucket])
            legend.append(" ")
        return legend

    def _differences(self) -> dict[int, float]:
        """Token index -> log p difference, where both models predict the same piece of text (same span)."""
        from games.scanning import aligned_in_document

        mine, other = self._scan_of(self.main), self.view.scans[1].scans[self.document]
        return {i: float(mine.logprob[i]) - float(other.logprob[j])
                for i, j in aligned_in_document(mine, other, len(self.main.documents[self.document].text))}

    def _document_text(self) -> Text:
        result = self._scan_of(self.main)
        text = self.main.documents[self.document].text
        starts = result.starts.tolist()
        if not starts:
            return Text("(an empty text)")
        centre = starts[self.index]
        first = max(0, next((i for i, s in enumerate(starts) if s >= centre - WINDOW_CHARS // 2), 0))
        differences = self._differences() if self.difference else {}
        shown = Text("… " if first > 0 else "")
        for i in range(first, len(starts)):
            if starts[i] > centre + WINDOW_CHARS // 2:
                shown.append(" …")
                break
            stop = starts[i + 1] if i + 1 < len(starts) else len(text)
            if self.difference:
                style = difference_style(differences.get(i, math.nan))
            else:
                rank = int(result.rank[i])
                style = RANK_STYLES[rank_bucket(rank)] if rank > 0 else Style()
            shown.append(pictured(text[starts[i]:stop], "\n\t"), SELECTED if i == self.index else style)
        return shown

    def _token_summary(self) -> Text:
        lines = Text()
        for scan in self.view.scans:
            result = self._scan_of(scan)
            if self.index >= len(result.ids) or scan is not self.main:
                continue
            token = scan.token(self.document, self.index)
            rank = int(result.rank[self.index])
            prob = math.exp(float(result.logprob[self.index])) if rank > 0 else math.nan
            name = pictured(scan.lm.identity.name)
            lines.append(f"token ⟨{token_shown(token)}⟩  {name}: p={probability(prob)} rank {rank}  "
                         f"entropy {float(result.entropy[self.index]):.2f} nats   (computing top-{TOP_K}…)")
        return lines

    @work(thread=True, exclusive=True, group="scan-top-k", exit_on_error=False)
    def _top_k(self, key: tuple[int, int]) -> None:
        from games.models import top_k_after

        document, index = key
        result = self.main.scans[document]
        start = int(result.starts[index])
        context = self.main.documents[document].text[:start]
        true = self.main.token(document, index)
        lines = Text(f"token ⟨{token_shown(true)}⟩ at character {start}\n")
        for scan in self.view.scans:
            name = pictured(scan.lm.identity.name)
            with MODELS:
                top = top_k_after(scan.lm, context, TOP_K)
            shown = "  ".join(f"{token_shown(t['token'])} {t['prob']:.2f}" for t in top)
            lines.append(f"{name:<18} {shown}\n")
        self.post_message(TopK(key, lines))

    def work_failed(self, worker: Worker[Any], error: str) -> None:
        if worker.group == "scan-top-k":  # the latest top-k asked for (an earlier one was cancelled)
            if self.top_k_key == (self.document, self.index):
                line = error.splitlines()[0] if error.strip() else error
                self.query_one("#scan-token", Static).update(Text(pictured(f"top-{TOP_K} failed: {line}")))
        else:
            super().work_failed(worker, error)

    def on_top_k(self, message: TopK) -> None:
        self.shown[message.key] = message.lines
        if message.key == (self.document, self.index):
            self.query_one("#scan-token", Static).update(message.lines)
