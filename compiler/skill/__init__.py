"""Skills: the compiled, machine-readable form of each SOP (skills/<id>/)."""

SKILL_FORMAT = 1
"""The layout of skill.json and skills/index.json."""
