"""Live-event processors for Statuspage webhooks, one module per event family."""
