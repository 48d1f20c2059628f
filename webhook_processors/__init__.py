"""Live-event processors, one module per family (incident, component, page), for every vendor."""
