"""Idempotent POSTs (DESIGN §10 ``Idempotency-Key``): the first answer to a key, stored for 24 h."""
