"""Use cases of the orders service, split by area: one function, one transaction each."""
