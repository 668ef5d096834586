"""What has no web and no domain in it: configuration, the extensions, errors, time, file
storage, locks, the data version, the sandbox, spreadsheets, backups and the demo registry.
Imports nothing else of the application."""
