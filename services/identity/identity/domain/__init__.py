"""Pure rules of identity: values in, values or crmkit errors out. No I/O, no clock."""
