"""The studio's model of a project, with no torch and no Qt: blocks, graphs, settings, snapshots."""
