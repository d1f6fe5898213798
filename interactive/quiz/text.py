"""Quiz prose as Rich text: `code` spans styled, everything else literal (never Rich markup)."""

from __future__ import annotations

import re

from rich.text import Text

__all__ = ["prose"]

_CODE = re.compile(r"`([^`\n]+)`")


def prose(text: str, style: str = "") -> Text:
    """``text`` with markdown-style backtick spans drawn as code; brackets stay literal."""
    out = Text(style=style)
    position = 0
    for match in _CODE.finditer(text):
        out.append(text[position : match.start()])
        out.append(match.group(1), style="bold cyan")
        position = match.end()
    out.append(text[position:])
    return out
