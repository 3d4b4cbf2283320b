"""The document a person edits, with no torch and no Qt: blocks and their catalogue, graphs,
typed settings, the settings of datasets and paradigms, and the project with its versioned
JSON, migrations and presets."""
