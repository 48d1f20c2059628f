"""Local stand-ins for the external services the integration talks to."""
