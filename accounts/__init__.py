"""Identity for IMS Records: API tokens, staff accounts, invitation and reset links, MFA.

Part of the domain: it builds on ``records`` (clinics, memberships, the audit trail) and
imports nothing from ``api`` or ``web``.
"""
