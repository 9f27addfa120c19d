-- Where a sync config version came from: 'config' (the service config's sync_config, deployed
-- when the service starts) or 'api' (the admin API: the CLI's deploy, the dashboard). A service
-- restarted with an unchanged sync_config keeps serving a version deployed through the API.
ALTER TABLE sync_config_versions ADD COLUMN deployed_from VARCHAR(16) NOT NULL DEFAULT 'config' AFTER content;
