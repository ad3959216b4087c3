"""Self-service administration of the office's set-up: the organisation tree, programmes and places, data
elements and indicators, data sets, roles. Services only: the pages and the API call these."""
