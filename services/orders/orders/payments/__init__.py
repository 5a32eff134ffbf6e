"""Online payment (B6): the port the orders service pays through and its WeChat Pay v3 adapter."""
