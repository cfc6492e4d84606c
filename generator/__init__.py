"""Match Pivot Guidebook: a personal guidebook for applicants who did not match."""

__version__ = "0.1.0"
