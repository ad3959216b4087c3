"""The register kit: declared fields, one create/update/delete, the catalogue and the derivations."""
