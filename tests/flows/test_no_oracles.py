"""Permission first, and no oracles (issue 14, part 4).

Someone who may not see an object learns nothing about it from any answer: an old or forged
button of a request they cannot see gets the same answer as one for no request at all, and
nobody is shown a prompt for a text they could not save.
"""

from __future__ import annotations

from aiogram.utils.i18n import I18n

from db import Database
from db.domain.issues import IssueStatus
from handlers.issues.callbacks import IssueCb
from tests.fake_telegram import FakeUser
from tests.flows.test_issues import network, post
from tests.harness import ChatDriver
from tests.i18n_helpers import Translator

DIRECTOR, OTHER_DIRECTOR, COORDINATOR = (
    FakeUser(10, "Әсел"),
    FakeUser(11, "Марат"),
    FakeUser(1, "А"),
)


async def test_an_old_button_tells_an_outsider_nothing(
    chat: ChatDriver, db: Database, i18n: I18n
) -> None:
    t = Translator(i18n, "en")
    await network(db, "en")
    await post(chat, t, DIRECTOR)
    await chat.press(DIRECTOR, t("📤 Send the request"))
    issue = await db.issues.get(1)
    assert issue is not None
    await chat.send(COORDINATOR, "/issues")
    await chat.press(COORDINATOR, "1")
    await chat.press(COORDINATOR, t("✅ Resolved"))  # the version the old button saw is gone

    await chat.send(OTHER_DIRECTOR, "/menu")
    answers = []
    for issue_id in (issue.id, 999):  # a real request of another school, and none at all
        for action in ("progress", "resolve", "close", "comment", "reject", "open", "files"):
            data = IssueCb(action=action, issue_id=issue_id, version=issue.version).pack()
            await chat.press_data(OTHER_DIRECTOR, data)
            answers.append((issue_id, action, chat.last_answer().get("text")))
    texts = {text for _, _, text in answers}
    assert texts == {t("This is not available to you.")}, answers
    assert not any(t("resolved") in (text or "") for text in texts)
    state = chat.dispatcher.fsm.get_context(bot=chat.bot, chat_id=11, user_id=11)
    assert await state.get_state() is None, "no prompt was opened"
    after = await db.issues.get(issue.id)
    assert after is not None and after.status is IssueStatus.RESOLVED


async def test_no_prompt_for_a_reason_that_could_not_be_saved(
    chat: ChatDriver, db: Database, i18n: I18n
) -> None:
    t = Translator(i18n, "en")
    await network(db, "en")
    await post(chat, t, DIRECTOR)
    await chat.press(DIRECTOR, t("📤 Send the request"))
    issue = await db.issues.get(1)
    assert issue is not None
    # The school may see its request, but a rejection reason is the university's to write.
    reject = IssueCb(action="reject", issue_id=issue.id, version=issue.version).pack()
    await chat.press_data(DIRECTOR, reject)
    assert chat.last_answer()["text"] == t("This is not available to you.")
    state = chat.dispatcher.fsm.get_context(bot=chat.bot, chat_id=10, user_id=10)
    assert await state.get_state() is None
