"""Format adapters: any supported message shape in, canonical posts or a precise reason out."""

from socialpulse.adapters.parse import MAX_MESSAGE_BYTES, ParseResult, parse_message

__all__ = ["MAX_MESSAGE_BYTES", "ParseResult", "parse_message"]
