"""Pure coupon rules: values in, values or typed errors out; no I/O, no clock."""
