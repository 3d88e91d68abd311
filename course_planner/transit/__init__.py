"""The transit engine: GTFS feeds, walks, connection scans and the reachability table."""
