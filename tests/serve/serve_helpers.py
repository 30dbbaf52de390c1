"""What the serve tests share: the project root and the seed question, answered and not."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEED_QUESTION = "Who is Donald Trump's national security adviser?"
SEED_FILE = "000_68c1b161cf4df674.txt"
UNANSWERABLE = "What is the boiling point of tungsten?"
