"""Seeded synthetic social media stream with injected, labelled events.

from socialpulse.generator import GeneratorConfig, generate_messages
for message in generate_messages(GeneratorConfig(count=1000, shape="tiktok")):
    producer.send(topic, message.value, key=message.key)
"""

from socialpulse.generator.events import InjectedEvent, default_events
from socialpulse.generator.synthetic import GeneratedMessage, GeneratorConfig, generate_messages

__all__ = [
    "GeneratedMessage",
    "GeneratorConfig",
    "InjectedEvent",
    "default_events",
    "generate_messages",
]
