"""What every domain writes besides its own tables: the audit log (`audit.record`) and
evidence files (`attachments`). Below the domains, above the models."""
