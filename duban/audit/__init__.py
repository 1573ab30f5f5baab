"""The security audit log (安全审计): who did what security-relevant thing,
when, from where, and with what outcome. Append-only and hash-chained."""
