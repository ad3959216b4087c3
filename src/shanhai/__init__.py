"""山海 Shanhai: plan, track and report regional-development programmes."""

__version__ = "0.1.0"
