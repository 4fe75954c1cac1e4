"""The reference runner: executes a compiled skill.json against exchange data."""
