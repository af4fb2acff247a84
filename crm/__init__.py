"""Keel's project package and shared kernel (DESIGN.md section 3)."""

from crm.celery import app as celery_app

__all__ = ["celery_app"]
