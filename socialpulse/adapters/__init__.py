"""Format adapters: any supported message shape in, canonical posts or a precise reason out."""

from socialpulse.adapters.parse import (
    DEFAULT_LIMITS,
    MAX_MESSAGE_BYTES,
    ParseLimits,
    ParseResult,
    parse_message,
)

__all__ = ["DEFAULT_LIMITS", "MAX_MESSAGE_BYTES", "ParseLimits", "ParseResult", "parse_message"]
