"""The bottom of the graph: settings declared as data, the rolling-window limiter, the kind table."""
