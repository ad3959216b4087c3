"""Excel and CSV in: one import pipeline for every register (`imports.pipeline`), its templates."""
