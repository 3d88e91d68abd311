"""Bad inputs, one small case per kind, each run through the command line (issue 10)."""
