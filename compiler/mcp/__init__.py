"""The MCP server over sopc's runner (`sopc mcp`)."""
