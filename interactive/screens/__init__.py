"""The TUI's screens: dashboard, challenge browser and detail, quiz, visualizer."""
