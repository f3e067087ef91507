"""Infrastructure shared by every layer: extension instances, database tuning, admission
control, the client's address and Markdown rendering. Imports nothing else of linear_web."""
