"""`python -m ui.screenshot [PATH]`: the README's picture (docs/screenshot.png) of the app answering a seed
question, taken with Playwright in Debian's headless Chromium from a temporary QA_HOME."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from ui.devserver import index_paths, running_app

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
QUESTION = "Who is Donald Trump's national security adviser?"


def take(out: Path) -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        index_paths(home, [ROOT / "seeds"])
        with running_app(home, Path(tmp) / "ui.log") as url, sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(120_000)
            page.goto(url)
            page.fill("#qa-question textarea", QUESTION)
            page.click("#qa-ask")
            page.wait_for_selector("#qa-chat .qa-answer a.qa-cite").click()
            page.wait_for_selector("#qa-sources .qa-source.qa-active")
            page.wait_for_timeout(800)  # the smooth scroll
            page.evaluate("window.scrollTo(0, 0)")
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out), full_page=True)
            browser.close()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0]) if argv else ROOT / "docs" / "screenshot.png"
    take(out)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
