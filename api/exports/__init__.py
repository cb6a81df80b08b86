"""Research exports: pseudonymised, streamed, audited; for clinic admins (``export.run``)."""
