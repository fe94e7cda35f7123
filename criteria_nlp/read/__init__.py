"""Readers: trial records in every common format become ``Trial`` objects."""

from __future__ import annotations

from .plain import content_id, trial_from_text

__all__ = ["content_id", "trial_from_text"]
