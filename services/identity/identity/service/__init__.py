"""Use cases of identity: one function per command or query, one transaction each."""
