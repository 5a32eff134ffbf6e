"""Delivery (B12): the port the orders service sends deliveries through and its Dada adapter."""
