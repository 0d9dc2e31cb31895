"""Quarterly liaison planning (通联制度): quarters, meetings, reporting priorities and goals."""
