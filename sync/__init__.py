"""The syncs: what each kind yields, the fetch memo, page status, uptime, what Port holds, and how a run ended."""
