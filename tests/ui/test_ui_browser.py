"""The real app in headless Chromium: ask, follow a citation, upload and ask, hostile documents, empty collection."""

from __future__ import annotations

import pytest
from ui_helpers import SEED_QUESTION, ask, choose_model, use_collection

pytestmark = pytest.mark.browser


def upload(page, files: list[dict]) -> str:
    """Upload files through the page; wait for the indexing report; return its text."""
    page.set_input_files("#qa-upload input[type=file]", files=files)
    page.wait_for_selector("#qa-upload-status .qa-report, #qa-upload-status .qa-error")
    return page.inner_text("#qa-upload-status")


def test_seed_question_gets_a_cited_answer(page):
    reply = ask(page, SEED_QUESTION)
    assert "qa-answer" in reply.get_attribute("class")
    assert "Waltz" in reply.inner_text()
    cites = reply.locator("a.qa-cite")
    assert cites.count() >= 1
    assert cites.first.inner_text().startswith("[")
    # The sources panel lists the cited passage with its source name.
    assert "000_68c1b161cf4df674.txt" in page.inner_text("#qa-sources")


def test_clicking_a_citation_shows_its_passage(page):
    reply = ask(page, SEED_QUESTION)
    cite = reply.locator("a.qa-cite").first
    target_id = cite.get_attribute("data-target")
    cite.click()
    passage = page.locator(f"#{target_id}")
    page.wait_for_selector(f"#{target_id}.qa-active")
    assert passage.is_visible()
    # The supporting sentence is highlighted inside the passage.
    assert "Waltz" in passage.locator("mark").inner_text()
    page.wait_for_function(
        """(id) => { const r = document.getElementById(id).getBoundingClientRect();
                     return r.top >= 0 && r.bottom <= window.innerHeight + 1; }""",
        arg=target_id,
    )


def test_follow_up_question_sends_the_chat_history(page, llm):
    from llm_server import Reply

    choose_model(page, "openai/test-model")
    llm.script(Reply("Mike Waltz is the national security adviser. [1]"))
    ask(page, SEED_QUESTION)
    seen = len(llm.requests)
    reply = ask(page, "What did he say about the relationship?")
    assert page.locator("#qa-chat .qa-user").count() == 2
    assert "qa-error" not in reply.get_attribute("class")
    later = [r.prompt_text for r in llm.requests[seen:]]
    assert later and any(SEED_QUESTION in text and "Mike Waltz is the national" in text for text in later)


def test_upload_a_file_and_ask_about_it(page, ui_home):
    use_collection(page, "uploaded")
    status = upload(
        page,
        [
            {
                "name": "harbour_notes.txt",
                "mimeType": "text/plain",
                "buffer": b"The Vellmar harbour was rebuilt in 1894 by the engineer Ottilie Brandt.\n"
                b"Its lighthouse is painted green and white.\n",
            },
            {"name": "broken.txt", "mimeType": "text/plain", "buffer": b"\xff\xfe\xfa not utf-8"},
        ],
    )
    assert "1 added" in status
    assert "broken.txt" in status and "UTF-8" in status  # the bad file, by name, with its reason
    assert "harbour_notes.txt" in page.inner_text("#qa-docs")
    assert (ui_home / "uploads" / "uploaded" / "harbour_notes.txt").is_file()
    assert (ui_home / "gradio-cache").is_dir()  # Gradio's own upload cache stays under QA_HOME too
    reply = ask(page, "Who rebuilt the Vellmar harbour?")
    assert "Brandt" in reply.inner_text()
    assert reply.locator("a.qa-cite").count() >= 1


HOSTILE = (
    "The Nightjar vault code is <img src=x onerror=\"window.__pwned='img'\"> and "
    "<script>window.__pwned='script'</script> and ${window.__pwned='template'} {{constructor}}.\n"
    "Nightjar is a project about birds.\n"
)


def test_markup_in_a_document_is_shown_as_text_and_never_runs(page, ui_home):
    use_collection(page, "hostile")
    status = upload(
        page,
        [
            {
                "name": "../../<img src=x onerror=window.__pwned=1>nightjar.txt",
                "mimeType": "text/plain",
                "buffer": HOSTILE.encode(),
            }
        ],
    )
    assert "1 added" in status
    reply = ask(page, "What is the Nightjar vault code?")
    chat = reply.inner_text()
    assert "<img src=x onerror=\"window.__pwned='img'\">" in chat
    assert "<script>window.__pwned='script'</script>" in chat
    assert "${window.__pwned='template'}" in chat
    sources = page.inner_text("#qa-sources")
    assert "<script>window.__pwned='script'</script>" in sources
    assert page.locator("#qa-chat img, #qa-sources img, #qa-chat script, #qa-sources script").count() == 0
    page.wait_for_timeout(500)  # give a broken image's onerror the time to fire, were it an element
    assert page.evaluate("typeof window.__pwned") == "undefined"
    # Whatever the uploaded name said, the file was written inside QA_HOME/uploads/hostile.
    saved = list((ui_home / "uploads" / "hostile").iterdir())
    assert len(saved) == 1 and saved[0].name.endswith("nightjar.txt") and "/" not in saved[0].name


def test_question_on_an_empty_collection_says_how_to_index_and_the_app_goes_on(page):
    use_collection(page, "nothing-here")
    reply = ask(page, SEED_QUESTION)
    assert "qa-error" in reply.get_attribute("class")
    text = reply.inner_text()
    assert "No documents indexed" in text and "qa index" in text
    # The app keeps working: the same page answers from the seeds once the collection is switched back.
    use_collection(page, "default")
    reply = ask(page, SEED_QUESTION)
    assert "Waltz" in reply.inner_text()


def test_remove_an_uploaded_document(page, ui_home):
    use_collection(page, "removable")
    assert "1 added" in upload(
        page,
        [
            {
                "name": "gone_soon.txt",
                "mimeType": "text/plain",
                "buffer": b"Quokkas live on Rottnest Island.\n",
            }
        ],
    )
    page.click("#qa-remove-choice input")
    page.get_by_role("option", name="gone_soon.txt").click()
    page.click("#qa-remove")
    page.wait_for_selector("#qa-upload-status :text('Removed gone_soon.txt')")
    assert "Nothing indexed" in page.inner_text("#qa-docs")
    assert not (ui_home / "uploads" / "removable" / "gone_soon.txt").exists()


def test_the_model_setting_is_used_and_model_errors_show_in_the_page(page, llm):
    from llm_server import Reply, Status

    choose_model(page, "openai/test-model")
    llm.script(Reply("Mike Waltz is the national security adviser. [1]"))
    reply = ask(page, SEED_QUESTION)
    assert "Waltz" in reply.inner_text()
    assert "answered by openai/test-model" in reply.inner_text()
    llm.default = Status(401, "Incorrect API key")
    try:
        reply = ask(page, "Who leads the talks in Brussels?")
    finally:
        llm.default = Reply("The documents do not say.")
    assert "qa-error" in reply.get_attribute("class")
    assert "API key" in reply.inner_text()
    # The page goes on: back to the built-in answerer.
    choose_model(page, "extractive")
    assert "Waltz" in ask(page, SEED_QUESTION).inner_text()


def test_an_upload_over_the_size_limit_is_refused(page, ui_home):
    use_collection(page, "too-big")  # the test server runs with QA_MAX_FILE_MB=1
    page.set_input_files(
        "#qa-upload input[type=file]",
        files=[{"name": "big.txt", "mimeType": "text/plain", "buffer": b"word " * 300_000}],
    )
    page.wait_for_selector("text=exceed the maximum allowed size")
    assert not (ui_home / "uploads" / "too-big").exists()
