"""Pure rules of the orders service: values in, values or typed crmkit errors out; no I/O."""
