"""Use cases of the messaging service, by area."""
