"""The papers page (/papers): upload, deep reading, questions, comparison."""
