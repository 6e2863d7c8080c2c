"""The pages' forms, one module per area: each carries the CSRF token and the values, and the
services check the values and word the messages."""
