"""Documents as PDF (DESIGN §13): the signed procedure note and the course summary.

A presentation layer like ``api`` and ``web``: it renders the read representations the API
and the pages already use (``sources``), never a copy of its own, with ReportLab (pure
Python wheels, no system packages).
"""
