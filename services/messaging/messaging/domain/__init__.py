"""Pure rules of the messaging service: values in, values or crmkit errors out; no I/O."""
