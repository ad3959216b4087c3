"""The request plumbing shared by both front doors (pages and /api/v1): the session and its commit point, the
actor, CSRF, list parameters, file and error responses. `web` and `api` import this, never each other."""
