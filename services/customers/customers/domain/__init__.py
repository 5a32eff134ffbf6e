"""Pure rules of the customers service: values in, values or typed crmkit errors out."""
