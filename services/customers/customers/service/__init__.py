"""Use cases of the customers service, split by area: one function, one transaction each."""

from customers.service.fields import define_customer_field, list_customer_fields
from customers.service.queries import get_customer, list_customers
from customers.service.registration import register_customer

__all__ = ["define_customer_field", "get_customer", "list_customer_fields", "list_customers", "register_customer"]
