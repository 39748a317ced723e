"""The OSDI API for organisers' tools: keys, HAL+JSON resources, the signature helper."""
