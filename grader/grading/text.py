"""Text from the sandbox made safe to show a person: no terminal escapes, no control
characters, no bidi overrides, a bounded length."""

from __future__ import annotations

import re

# terminal escapes (CSI, OSC), C0 and C1 controls but tab and newline, bidi overrides that
# reorder what is displayed, and lone surrogates (which cannot be encoded for display)
_CONTROL = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\\\)?"
                      r"|[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def clean_text(text: str, limit: int = 4000) -> str:
    """Remove terminal escapes, control characters and lone surrogates from text shown back
    to a person."""
    text = _CONTROL.sub("", text)
    return text if len(text) <= limit else text[:limit] + "\n… (truncated)"
